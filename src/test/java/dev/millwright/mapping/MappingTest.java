package dev.millwright.mapping;

import com.fasterxml.jackson.databind.JsonNode;
import dev.millwright.event.Json;
import dev.millwright.xref.XrefLookup;
import org.junit.jupiter.api.Test;

import java.time.Clock;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** A compiled mapping is applied to message after message: it must not carry anything from one to the next. */
class MappingTest {
    @Test
    void aMappingAppliedManyTimesKeepsGivingTheSameAnswer() throws Exception {
        // jsonata-java 0.9.8 chained each evaluation's frame onto the expression, so a mapping with a block or
        // bindings got slower on every message and overflowed the stack after about ten thousand.
        Mapping mapping = Mapping.compile("erp", """
                ( $failed := data.characteristics[result = "fail"][0];
                  { "Material": $xref("material", "canonical", data.materialId, "erp"), "Code": $lookup("codes", $failed.name),
                    "Topic": $topic } )""");
        MappingFunctions functions = new MappingFunctions(XrefLookup.of(List.of(new dev.millwright.store.XrefStore.Row(1, "material", "P-7", "erp", "4711"))),
                Map.of("codes", new ValueMap("codes", Map.of("bore", "Q-017"), null)), Clock.systemUTC(), "p");
        JsonNode input = Json.MAPPER.readTree("""
                {"data": {"materialId": "P-7", "characteristics": [{"name": "bore", "result": "fail"}]}}""");
        JsonNode first = mapping.apply(input, Map.of("topic", "t/1"), functions);
        for (int i = 0; i < 30_000; i++) mapping.apply(input, Map.of("topic", "t/1"), functions);
        assertThat(mapping.apply(input, Map.of("topic", "t/1"), functions)).isEqualTo(first);
        assertThat(first.get("Material").asText()).isEqualTo("4711");
        assertThat(first.get("Code").asText()).isEqualTo("Q-017");
        assertThat(first.get("Topic").asText()).isEqualTo("t/1");
    }

    @Test
    void manyThreadsApplyOneMappingAtOnceAndEachGetsItsOwnAnswer() throws Exception {
        Mapping mapping = Mapping.compile("m", """
                ( $n := data.n; { "n": $n, "double": $n * 2, "topic": $topic, "tags": data.tags[$ != "x"] } )""");
        MappingFunctions functions = new MappingFunctions(XrefLookup.of(List.of()), Map.of(), Clock.systemUTC(), "p");
        List<java.util.concurrent.Future<List<String>>> results = new java.util.ArrayList<>();
        try (var pool = java.util.concurrent.Executors.newFixedThreadPool(16)) {
            for (int t = 0; t < 16; t++) {
                int thread = t;
                results.add(pool.submit(() -> {
                    List<String> wrong = new java.util.ArrayList<>();
                    for (int i = 0; i < 500; i++) {
                        int n = thread * 1000 + i;
                        JsonNode out = mapping.apply(Json.MAPPER.readTree("{\"data\":{\"n\":" + n + ",\"tags\":[\"x\",\"t" + n + "\"]}}"),
                                Map.of("topic", "t/" + n), functions);
                        String expected = "{\"n\":" + n + ",\"double\":" + (2 * n) + ",\"topic\":\"t/" + n + "\",\"tags\":\"t" + n + "\"}";
                        if (!out.toString().equals(expected)) wrong.add(expected + " got " + out);
                    }
                    return wrong;
                }));
            }
            for (var r : results) assertThat(r.get()).isEmpty();
        }
    }

    @Test
    void aMappingWaitingInAFetchHoldsUpNoOtherMessage() throws Exception {
        java.util.concurrent.CountDownLatch release = new java.util.concurrent.CountDownLatch(1);
        java.util.concurrent.CountDownLatch entered = new java.util.concurrent.CountDownLatch(1);
        Fetcher erp = (operation, key) -> {
            if (key.equals("slow")) {
                entered.countDown();
                release.await(30, java.util.concurrent.TimeUnit.SECONDS);
            }
            return Json.MAPPER.createObjectNode().put("status", key);
        };
        Mapping mapping = Mapping.compile("m", "{ \"status\": $fetch(\"erp\", \"item\", data.key).status }");
        MappingFunctions functions = new MappingFunctions(XrefLookup.of(List.of()), Map.of(), Clock.systemUTC(), "p", Map.of("erp", erp));
        try (var pool = java.util.concurrent.Executors.newVirtualThreadPerTaskExecutor()) {
            var slow = pool.submit(() -> mapping.apply(Json.MAPPER.readTree("{\"data\":{\"key\":\"slow\"}}"), Map.of(), functions));
            assertThat(entered.await(10, java.util.concurrent.TimeUnit.SECONDS)).isTrue();
            var fast = pool.submit(() -> mapping.apply(Json.MAPPER.readTree("{\"data\":{\"key\":\"fast\"}}"), Map.of(), functions));
            assertThat(fast.get(10, java.util.concurrent.TimeUnit.SECONDS).toString()).isEqualTo("{\"status\":\"fast\"}");
            assertThat(slow.isDone()).isFalse();
            release.countDown();
            assertThat(slow.get(10, java.util.concurrent.TimeUnit.SECONDS).toString()).isEqualTo("{\"status\":\"slow\"}");
        }
    }
}
