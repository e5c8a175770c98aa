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
}
