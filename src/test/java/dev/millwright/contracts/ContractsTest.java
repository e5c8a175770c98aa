package dev.millwright.contracts;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.TextNode;
import dev.millwright.event.CloudEvent;
import dev.millwright.event.Json;
import dev.millwright.ingest.Violation;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

class ContractsTest {
    static final ContractCatalog CATALOG = ContractCatalog.builtIn();
    static final Contracts CONTRACTS = new Contracts(CATALOG, false);

    static CloudEvent event(String type, String version, JsonNode data, boolean withScopes) {
        ObjectNode e = Json.MAPPER.createObjectNode();
        e.put("specversion", "1.0").put("id", "x-1").put("source", "test://qms").put("type", type)
                .put("dataschema", ContractCatalog.BASE + type + "/" + version);
        if (withScopes) e.put("plant", "acme/plant-a").put("correlationid", "NCR-2026-0042");
        e.set("data", data);
        return new CloudEvent("x-1", "test://qms", type, null, null, e, e.toString());
    }

    static Stream<Arguments> versions() {
        return CATALOG.types().values().stream().flatMap(t -> t.versions().stream().map(v -> Arguments.of(t.type(), v.version())));
    }

    @Test
    void theCatalogCoversTheCanonicalEvents() {
        assertThat(CATALOG.types().keySet()).hasSize(28).contains("quality.inspection.failed", "quality.lot.held",
                "maintenance.workorder.completed", "inventory.goodsmovement.rejected", "finance.cost.posted", "masterdata.supplier.synced");
        CATALOG.types().values().forEach(t -> assertThat(t.description()).as(t.type()).isNotBlank());
    }

    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("versions")
    void everyExampleValidates(String type, String version) {
        JsonNode example = CATALOG.types().get(type).version(version).example();
        assertThat(CONTRACTS.check(List.of(event(type, version, example, true)), false)).isEmpty();
    }

    /**
     * Realistic mistakes: the record's identifier left out, a quantity without its unit, text where a
     * number or a flag goes, a local timestamp, a hierarchy level or country code that does not exist.
     */
    static List<Consumer<ObjectNode>> mistakes(JsonNode example) {
        List<Consumer<ObjectNode>> out = new ArrayList<>();
        String idField = example.fieldNames().next();
        out.add(d -> d.remove(idField));
        find(example, "", (path, node) -> {
            if (node.isObject() && node.has("value") && node.has("unit")) out.add(d -> ((ObjectNode) d.at(path)).remove("unit"));
            if (node.isNumber()) out.add(d -> set(d, path, TextNode.valueOf("25,31")));
            if (node.isBoolean()) out.add(d -> set(d, path, TextNode.valueOf("yes")));
            if (path.endsWith("/level")) out.add(d -> set(d, path, TextNode.valueOf("Cell")));
            if (path.endsWith("/country")) out.add(d -> set(d, path, TextNode.valueOf("Germany")));
            if (node.isTextual() && node.asText().matches("\\d{4}-\\d{2}-\\d{2}T.*")) out.add(d -> set(d, path, TextNode.valueOf("25.11.2026 09:15")));
        });
        return out;
    }

    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("versions")
    void everySchemaRejectsRealisticMistakes(String type, String version) {
        ContractCatalog.Version v = CATALOG.types().get(type).version(version);
        List<Consumer<ObjectNode>> mistakes = new ArrayList<>(mistakes(v.example()));
        v.pins().keySet().forEach(field -> mistakes.add(d -> d.put(field, "unknown-value")));
        assertThat(mistakes).as("mistakes to try on " + type).isNotEmpty();
        for (Consumer<ObjectNode> mistake : mistakes) {
            ObjectNode data = v.example().deepCopy();
            mistake.accept(data);
            assertThat(CONTRACTS.check(List.of(event(type, version, data, true)), false)).as("%s accepted %s", type, data).isNotEmpty();
        }
    }

    @Test
    void violationsNameThePointerKeywordAndAReadableSentence() {
        ObjectNode data = CATALOG.types().get("quality.inspection.failed").version("v1").example().deepCopy();
        ((ObjectNode) data.at("/characteristics/0")).put("measured", "25,31");
        data.put("inspectedAt", "yesterday");
        data.remove("lotId");
        List<Violation> violations = CONTRACTS.check(List.of(event("quality.inspection.failed", "v1", data, false)), true);
        assertThat(violations).extracting(Violation::pointer).contains("/0/data/characteristics/0/measured", "/0/data/inspectedAt",
                "/0/data/lotId", "/0/plant", "/0/correlationid");
        assertThat(violations).extracting(Violation::keyword).contains("type", "required");
        assertThat(violations).allSatisfy(x -> assertThat(x.detail()).isNotBlank().doesNotContain("Exception"));
    }

    @Test
    void versionComesFromDataschemaAndUnknownOnesAreNamed() {
        JsonNode v2 = CATALOG.types().get("quality.inspection.failed").version("v2").example();
        assertThat(CONTRACTS.check(List.of(event("quality.inspection.failed", "v2", v2, true)), false)).isEmpty();
        assertThat(CONTRACTS.check(List.of(event("quality.inspection.failed", "v1", v2, true)), false)).isNotEmpty();
        assertThat(CONTRACTS.check(List.of(event("quality.inspection.failed", "v9", v2, true)), false))
                .extracting(Violation::pointer).containsExactly("/dataschema");
    }

    @Test
    void unknownTypesAreRefusedUnlessThePlantAllowsThem() {
        CloudEvent unknown = event("acme.custom.thing", "v1", Json.MAPPER.createObjectNode(), true);
        assertThat(CONTRACTS.check(List.of(unknown), false)).extracting(Violation::pointer).containsExactly("/type");
        assertThat(new Contracts(CATALOG, true).check(List.of(unknown), false)).isEmpty();
    }

    @Test
    void registrySchemasPinTheTypeFields() throws Exception {
        JsonNode schema = Json.MAPPER.readTree(CONTRACTS.schemaText("quality.lot.held", "v1").orElseThrow());
        assertThat(schema.get("$id").asText()).isEqualTo("https://millwright.dev/contracts/quality.lot.held/v1");
        assertThat(schema.at("/allOf/1/properties/disposition/const").asText()).isEqualTo("Restricted");
        assertThat(CONTRACTS.schemaText("quality.lot.held", "v7")).isEmpty();
    }

    private interface Visitor {
        void visit(String pointer, JsonNode node);
    }

    private static void find(JsonNode node, String pointer, Visitor visitor) {
        visitor.visit(pointer, node);
        if (node.isObject()) {
            Iterator<Map.Entry<String, JsonNode>> fields = node.fields();
            while (fields.hasNext()) {
                var f = fields.next();
                find(f.getValue(), pointer + "/" + f.getKey(), visitor);
            }
        } else if (node.isArray()) {
            for (int i = 0; i < node.size(); i++) find(node.get(i), pointer + "/" + i, visitor);
        }
    }

    private static void set(ObjectNode root, String pointer, JsonNode value) {
        int slash = pointer.lastIndexOf('/');
        JsonNode parent = root.at(pointer.substring(0, slash));
        String last = pointer.substring(slash + 1);
        if (parent.isArray()) ((com.fasterxml.jackson.databind.node.ArrayNode) parent).set(Integer.parseInt(last), value);
        else ((ObjectNode) parent).set(last, value);
    }
}
