package dev.millwright.flow;

import dev.millwright.config.PlantConfig;
import dev.millwright.config.spec.ConfigError;
import dev.millwright.config.spec.ConfigException;
import dev.millwright.support.TestPlant;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

/** A flow file is checked as a program and against the plant; every problem names file, line and key. */
class FlowFilesTest {
    @TempDir
    Path dir;

    private static final String HEAD = """
            name: f
            trigger: { on: test.started, key: data.id }
            steps:
            """;

    /** The errors of loading a plant whose only flow has these steps (written after HEAD, so step lines start at 4). */
    private List<String> errors(String steps) {
        TestPlant plant = new TestPlant(dir)
                .system("erp", "http://127.0.0.1:9", """
                        operations:
                          hold: { path: /holds }
                          stock: { method: GET, path: "/stock/{key}" }
                        """)
                .write("flows/f.yaml", HEAD + steps);
        ConfigException e = catchThrowableOfType(ConfigException.class, () -> PlantConfig.load(plant.dir()));
        assertThat(e).as("the plant should be refused").isNotNull();
        return e.errors().stream().map(ConfigError::toString).toList();
    }

    @Test
    void aGoodFlowLoads() {
        TestPlant plant = new TestPlant(dir)
                .system("erp", "http://127.0.0.1:9", "operations:\n  hold: { path: /holds }\n")
                .write("flows/f.yaml", HEAD + """
                          - id: hold
                            call: { system: erp, operation: hold, data: '{"id": trigger.data.id}' }
                          - id: wait
                            wait: { on: test.done, timeout: 1h }
                        """);
        PlantConfig config = PlantConfig.load(plant.dir());
        assertThat(config.flows()).hasSize(1);
        assertThat(config.flows().getFirst().version()).hasSize(12);
    }

    @Test
    void anUnknownStepKindAndAStepWithTwoKindsAreRefused() {
        assertThat(errors("""
                  - id: a
                    sleep: 5s
                  - id: b
                    delay: 1s
                    end: true
                """)).anySatisfy(e -> assertThat(e).startsWith("flows/f.yaml:5: steps[0].sleep: unknown key; known keys: id, call"))
                .anySatisfy(e -> assertThat(e).startsWith("flows/f.yaml:8: steps[1].end: step 'b' has 2 kinds (delay, end)"));
    }

    @Test
    void aJumpToAnUnknownStepAndAnUnreachableStepAreRefused() {
        assertThat(errors("""
                  - id: a
                    if: { condition: "true", then: nowhere }
                  - id: b
                    end: true
                  - id: c
                    end: true
                """)).anySatisfy(e -> assertThat(e).startsWith("flows/f.yaml:5: steps[0].if.then: no step 'nowhere' in this flow"))
                .anySatisfy(e -> assertThat(e).startsWith("flows/f.yaml:8: steps[2].id: step 'c' is unreachable"));
    }

    @Test
    void aLoopWithoutAWaitIsRefused() {
        assertThat(errors("""
                  - id: a
                    set: { n: "1" }
                  - id: b
                    if: { condition: "vars.n > 0", then: a }
                """)).anySatisfy(e -> assertThat(e).startsWith("flows/f.yaml:4: steps[0]: the loop a → b → a has no wait, signal, delay or call"));
    }

    @Test
    void aLoopThroughADelayIsAccepted() {
        TestPlant plant = new TestPlant(dir).write("flows/f.yaml", HEAD + """
                  - id: a
                    delay: 1m
                  - id: b
                    if: { condition: "true", then: a }
                """);
        assertThat(PlantConfig.load(plant.dir()).flows()).hasSize(1);
    }

    @Test
    void aWaitWithoutTimeoutAndABadExpressionAreRefused() {
        assertThat(errors("""
                  - id: a
                    wait: { on: test.done }
                  - id: b
                    set: { x: "vars.(" }
                """)).anySatisfy(e -> assertThat(e).startsWith("flows/f.yaml:5: steps[0].wait.timeout: is required"))
                .anySatisfy(e -> assertThat(e).startsWith("flows/f.yaml:7: steps[1].set.x: is not a valid JSONata expression"));
    }

    @Test
    void callsToUnknownSystemsOrOperationsAndCompensationsTheSystemLacksAreRefused() {
        assertThat(errors("""
                  - id: a
                    call: { system: mes, data: "{}" }
                  - id: b
                    call: { system: erp, operation: release, data: "{}" }
                  - id: c
                    call: { system: erp, operation: stock, data: "{}" }
                  - id: d
                    lookup: { system: erp, operation: hold, key: "'x'" }
                  - id: e
                    call: { system: erp, operation: hold, data: "{}" }
                    compensate:
                      call: { system: erp, operation: unhold, data: "{}" }
                """)).anySatisfy(e -> assertThat(e).startsWith("flows/f.yaml:5: steps[0].call.system: unknown system 'mes'"))
                .anySatisfy(e -> assertThat(e).startsWith("flows/f.yaml:7: steps[1].call.operation: system 'erp' has no operation 'release'"))
                .anySatisfy(e -> assertThat(e).startsWith("flows/f.yaml:9: steps[2].call.operation: 'stock' is a GET operation"))
                .anySatisfy(e -> assertThat(e).startsWith("flows/f.yaml:11: steps[3].lookup.operation: 'hold' is a POST operation"))
                .anySatisfy(e -> assertThat(e).startsWith("flows/f.yaml:15: steps[4].compensate.call.operation: system 'erp' has no operation 'unhold'"));
    }

    @Test
    void aParallelBranchIsOneCallOrOneEventOfAKnownSystem() {
        assertThat(errors("""
                  - id: both
                    parallel:
                      branches:
                        a: { call: { system: erp, operation: hold, data: "{}" }, emit: { type: x.y, data: "{}" } }
                """)).anySatisfy(e -> assertThat(e).startsWith("flows/f.yaml:7: steps[0].parallel.branches.a: branch 'a' gives exactly one of call, emit"));
        assertThat(errors("""
                  - id: both
                    parallel:
                      branches:
                        a: { call: { system: erp, operation: hold, data: "{}" } }
                        b: { call: { system: mes, data: "{}" } }
                """)).anySatisfy(e -> assertThat(e).startsWith("flows/f.yaml:8: steps[0].parallel.branches.b.call.system: unknown system 'mes'"));
    }

    @Test
    void theFileNameAndTheFlowNameMustAgree() {
        TestPlant plant = new TestPlant(dir).write("flows/other.yaml", HEAD + "  - id: a\n    end: true\n");
        ConfigException e = catchThrowableOfType(ConfigException.class, () -> PlantConfig.load(plant.dir()));
        assertThat(e.errors().stream().map(ConfigError::toString)).anySatisfy(s -> assertThat(s).contains("flows/other.yaml:1: name: 'f' must match the file name 'other'"));
    }
}
