package dev.millwright.harness;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** `millwright test` on flow test cases: the shipped demo flow's cases pass, and a case that expects wrongly shows what differs. */
class FlowTestsTest {
    @TempDir
    Path dir;

    @Test
    void theShippedFlowCasesPassAndAWrongExpectationShowsWhereTheRunDiffers() throws IOException {
        Path plant = dev.millwright.support.TestPlant.copyOf(Path.of("plants/demo"), dir.resolve("demo"));
        Path cases = plant.resolve("tests/flows/nonconformance-to-capa.yaml");
        String shipped = Files.readString(cases);
        // The shipped cases, and one more that expects the wrong hours and a call that is never made.
        Files.writeString(cases, shipped + """

                  - name: a case that expects the wrong thing
                    trigger: *inspection
                    answers:
                      eam.createWorkOrder: [ { status: 201, body: { wonum: "1001" } } ]
                    then:
                      - event: *completion
                      - event: *rework
                    expect:
                      state: completed
                      calls:
                        - { system: eam, operation: asset }
                        - { system: mes, operation: lot }
                        - { system: erp, operation: restrictBatch }
                        - { system: mes, operation: holdLot }
                        - { system: erp, operation: createQualityNotification }
                        - { system: eam, operation: createWorkOrder }
                        - { system: qms, operation: defectRate }
                        - { system: erp, operation: postMaterialDocument }
                        - { system: erp, operation: postMaterialDocument }
                        - { system: qms, operation: updateCapa, body: { rootCause: WRONG-CAUSE } }
                        - { system: erp, operation: restrictBatch }
                        - { system: mes, operation: releaseLot }
                        - { system: mes, operation: setOrderStatus }
                """);
        List<CaseResult> all = FlowTests.run(plant, dir.resolve("work"));
        assertThat(all).hasSizeGreaterThanOrEqualTo(5);
        List<CaseResult> results = all.stream().filter(r -> r.file().endsWith("nonconformance-to-capa.yaml")).toList();
        assertThat(results).hasSize(7);
        assertThat(all).filteredOn(r -> !r.name().equals("a case that expects the wrong thing"))
                .allSatisfy(r -> assertThat(r.failures()).as(r.name()).isEmpty());
        assertThat(results.get(6).failures()).containsExactly(
                "calls[9].body/rootCause: expected \"WRONG-CAUSE\", got \"WEAR\"",
                "calls[12]: expected mes.setOrderStatus, none was made");
    }

}
