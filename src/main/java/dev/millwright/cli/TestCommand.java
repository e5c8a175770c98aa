package dev.millwright.cli;

import dev.millwright.config.spec.ConfigException;
import dev.millwright.harness.MappingTests;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;

/**
 * Runs a plant folder's test cases offline: mappings (tests/*.yaml) and flows (tests/flows/*.yaml, against simulated
 * systems on an embedded PostgreSQL). Exit 0 when all pass, 1 when one fails, 2 when a file is invalid.
 */
@Command(name = "test", description = "Run the mapping and flow test cases in DIR/tests offline and show what differs for each failing case.")
final class TestCommand implements Callable<Integer> {
    @Parameters(index = "0", description = "Plant folder.")
    Path dir;

    @Override
    public Integer call() {
        List<dev.millwright.harness.CaseResult> results = new java.util.ArrayList<>();
        try {
            results.addAll(MappingTests.run(dir));
            if (!dev.millwright.harness.FlowTests.files(dir).isEmpty()) {
                java.nio.file.Path work = java.nio.file.Files.createTempDirectory("millwright-flow-tests");
                try {
                    results.addAll(dev.millwright.harness.FlowTests.run(dir, work));
                } finally {
                    deleteTree(work);
                }
            }
        } catch (ConfigException e) {
            Environment.printErrors(dir, e, "; no case was run");
            return 2;
        } catch (java.io.IOException e) {
            System.out.println("could not run the flow tests: " + e.getMessage());
            return 2;
        }
        int failed = 0;
        for (dev.millwright.harness.CaseResult r : results) {
            System.out.println((r.passed() ? "PASS " : "FAIL ") + r.file() + ": " + r.name());
            for (String line : r.failures()) System.out.println("       " + line);
            if (!r.passed()) failed++;
        }
        System.out.println(results.size() + " case(s), " + (results.size() - failed) + " passed, " + failed + " failed");
        return failed == 0 ? 0 : 1;
    }

    private static void deleteTree(java.nio.file.Path dir) {
        try (var paths = java.nio.file.Files.walk(dir)) {
            for (java.nio.file.Path p : paths.sorted(java.util.Comparator.reverseOrder()).toList()) java.nio.file.Files.deleteIfExists(p);
        } catch (java.io.IOException ignored) {
            // a temporary folder left behind is harmless
        }
    }
}
