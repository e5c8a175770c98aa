package dev.millwright.cli;

import dev.millwright.config.spec.ConfigException;
import dev.millwright.harness.MappingTests;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;

/** Runs a plant folder's mapping test cases (tests/*.yaml) offline: exit 0 when all pass, 1 when one fails, 2 when a file is invalid. */
@Command(name = "test", description = "Run the mapping test cases in DIR/tests offline and show a diff for each failing case.")
final class TestCommand implements Callable<Integer> {
    @Parameters(index = "0", description = "Plant folder.")
    Path dir;

    @Override
    public Integer call() {
        List<MappingTests.Result> results;
        try {
            results = MappingTests.run(dir);
        } catch (ConfigException e) {
            Environment.printErrors(dir, e, "; no case was run");
            return 2;
        }
        int failed = 0;
        for (MappingTests.Result r : results) {
            System.out.println((r.passed() ? "PASS " : "FAIL ") + r.file() + ": " + r.name());
            for (String line : r.failures()) System.out.println("       " + line);
            if (!r.passed()) failed++;
        }
        System.out.println(results.size() + " case(s), " + (results.size() - failed) + " passed, " + failed + " failed");
        return failed == 0 ? 0 : 1;
    }
}
