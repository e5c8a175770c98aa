package dev.millwright.harness;

import dev.millwright.cli.Main;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/** `millwright test DIR`: the shipped plant folders' mapping cases pass, and a broken case shows what differs. */
class MappingTestsTest {
    @TempDir
    Path dir;

    private record Run(int exit, String out) {
    }

    private static Run test(Path plant) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        PrintStream old = System.out;
        System.setOut(new PrintStream(bytes, true, StandardCharsets.UTF_8));
        try {
            int exit = new CommandLine(new Main()).execute("test", plant.toString());
            return new Run(exit, bytes.toString(StandardCharsets.UTF_8));
        } finally {
            System.setOut(old);
        }
    }

    @Test
    void theShippedPlantFoldersPassTheirOwnCases() throws IOException {
        try (Stream<Path> plants = Files.list(Path.of("plants"))) {
            for (Path plant : plants.filter(Files::isDirectory).toList()) {
                Run run = test(plant);
                assertThat(run.exit()).as(run.out()).isZero();
                assertThat(run.out()).doesNotContain("FAIL").contains(" 0 failed");
            }
        }
    }

    @Test
    void aBrokenCaseShowsEachDifferenceByJsonPointer() throws IOException {
        Path plant = dev.millwright.support.TestPlant.copyOf(Path.of("plants/demo"), dir.resolve("demo"));
        Path cases = plant.resolve("tests/erp-quality-hold.yaml");
        Files.writeString(cases, Files.readString(cases)
                .replace("DefectCode: Q-017,", "DefectCode: Q-018,")
                .replace("NotificationText: \"Inspection INSP-1002 failed: bore diameter\" }", "NotificationText: \"Inspection INSP-1002 failed: bore diameter\", Priority: 1 }")
                .replace("has no erp id\"", "is not in ERP\""));
        Run run = test(plant);
        assertThat(run.exit()).isEqualTo(1);
        assertThat(run.out())
                .contains("FAIL tests/erp-quality-hold.yaml: the ERP gets its own material number and defect code")
                .contains("/DefectCode: expected \"Q-018\", got \"Q-017\"")
                .contains("/Priority: missing (expected 1)")
                .contains("FAIL tests/erp-quality-hold.yaml: a material ERP does not know is an unresolved reference")
                .contains("error: expected it to contain \"unresolved reference: material 'GEARBOX-1' of canonical is not in ERP\", got \"mapping erp-quality-hold.jsonata")
                .contains("PASS tests/erp-quality-hold.yaml: a defect code the value map does not list gets its default")
                .contains("28 case(s), 26 passed, 2 failed"); // the 16 flow cases pass
    }

    @Test
    void anInvalidCaseFileIsRefusedWithFileLineAndKey() throws IOException {
        Path plant = dev.millwright.support.TestPlant.copyOf(Path.of("plants/demo"), dir.resolve("demo"));
        Files.writeString(plant.resolve("tests/bad.yaml"), """
                mapping: nothing.jsonata
                cases:
                  - name: x
                    input: {}
                    expect: {}
                    surprise: 1
                """);
        Run run = test(plant);
        assertThat(run.exit()).isEqualTo(2);
        assertThat(run.out()).contains("tests/bad.yaml:6: cases[0].surprise: unknown key")
                .contains("no case was run");
    }

}
