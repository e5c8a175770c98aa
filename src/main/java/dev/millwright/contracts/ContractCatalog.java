package dev.millwright.contracts;

import com.fasterxml.jackson.databind.JsonNode;
import dev.millwright.event.Json;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The event catalog (contracts/catalog.yaml): for each canonical event type its versions, the entity
 * schema its data follows, the fields the type pins, and an example. Entity schemas live beside it in
 * contracts/entities/NAME.VERSION.json.
 */
public record ContractCatalog(Map<String, EventType> types, Map<String, String> entitySchemas) {
    public static final String BASE = "https://millwright.dev/contracts/";
    static final String ENTITY_BASE = BASE + "entities/";
    private static final List<String> ENTITY_FILES = List.of("common.v1", "TestResult.v1", "TestResult.v2", "MaterialLot.v1",
            "Nonconformance.v1", "Capa.v1", "Supplier.v1", "SupplierCase.v1", "WorkOrder.v1", "OperationsResponse.v1",
            "DowntimeEvent.v1", "MaintenanceCompletion.v1", "InventoryTransaction.v1", "CostPosting.v1",
            "MaterialDefinition.v1", "Equipment.v1", "PhysicalAsset.v1");

    /** A canonical event type and its versions, oldest first. */
    public record EventType(String type, String description, List<Version> versions) {
        public Version version(String v) {
            return versions.stream().filter(x -> x.version().equals(v)).findFirst().orElse(null);
        }

        public Version latest() {
            return versions.getLast();
        }
    }

    /**
     * One version of a type: its data follows {@code entity} (e.g. TestResult/v1) with {@code pins}
     * (fields fixed to a value) and {@code required} (fields the entity makes optional but this type needs).
     */
    public record Version(String version, String entity, Map<String, Object> pins, List<String> required, JsonNode example) {
        public String schemaId(String type) {
            return BASE + type + "/" + version;
        }
    }

    /** The catalog shipped with the hub. */
    @SuppressWarnings("unchecked")
    public static ContractCatalog builtIn() {
        Map<String, String> entities = new LinkedHashMap<>();
        for (String file : ENTITY_FILES) {
            String text = resource("/contracts/entities/" + file + ".json");
            entities.put(Json.MAPPER.convertValue(parse(text).get("$id"), String.class), text);
        }
        List<Map<String, Object>> raw = new Yaml(new LoaderOptions()).load(resource("/contracts/catalog.yaml"));
        Map<String, EventType> types = new LinkedHashMap<>();
        for (Map<String, Object> t : raw) {
            List<Version> versions = new ArrayList<>();
            for (Map<String, Object> v : (List<Map<String, Object>>) t.get("versions")) {
                String entity = (String) v.get("entity");
                if (!entities.containsKey(ENTITY_BASE + entity)) {
                    throw new IllegalStateException("catalog type " + t.get("type") + " names unknown entity " + entity);
                }
                versions.add(new Version((String) v.get("version"), entity,
                        (Map<String, Object>) v.getOrDefault("pins", Map.of()),
                        (List<String>) v.getOrDefault("required", List.of()),
                        Json.MAPPER.valueToTree(v.get("example"))));
            }
            types.put((String) t.get("type"), new EventType((String) t.get("type"), (String) t.get("description"), List.copyOf(versions)));
        }
        return new ContractCatalog(Map.copyOf(types), Map.copyOf(entities));
    }

    /** This catalog with a plant's own contracts added: new types, and new versions of catalog types. */
    public ContractCatalog withPlantContracts(List<PlantContract> contracts) {
        if (contracts.isEmpty()) return this;
        Map<String, String> entities = new LinkedHashMap<>(entitySchemas);
        Map<String, List<Version>> versions = new LinkedHashMap<>();
        Map<String, String> descriptions = new LinkedHashMap<>();
        types.values().forEach(t -> {
            versions.put(t.type(), new ArrayList<>(t.versions()));
            descriptions.put(t.type(), t.description());
        });
        for (PlantContract c : contracts) {
            com.fasterxml.jackson.databind.node.ObjectNode schema = c.schema().deepCopy();
            schema.put("$id", ENTITY_BASE + c.entity());
            entities.put(ENTITY_BASE + c.entity(), schema.toString());
            JsonNode example = c.schema().path("examples").path(0);
            versions.computeIfAbsent(c.type(), k -> new ArrayList<>())
                    .add(new Version(c.version(), c.entity(), Map.of(), List.of(), example.isMissingNode() ? null : example));
            descriptions.putIfAbsent(c.type(), c.schema().path("description").asText("A plant's own event type."));
        }
        Map<String, EventType> merged = new LinkedHashMap<>();
        versions.forEach((type, list) -> {
            list.sort(java.util.Comparator.comparingInt((Version v) -> versionPart(v.version(), 1)).thenComparingInt(v -> versionPart(v.version(), 2)));
            merged.put(type, new EventType(type, descriptions.get(type), List.copyOf(list)));
        });
        return new ContractCatalog(Map.copyOf(merged), Map.copyOf(entities));
    }

    /**
     * What the plant's contracts break: for each minor version, its differences from the version before it
     * in the same major (a catalog version or another plant contract), as "file: field: change".
     */
    public List<String> incompatibilities(List<PlantContract> contracts) {
        ContractCatalog all = withPlantContracts(contracts);
        Map<String, JsonNode> parsed = new LinkedHashMap<>();
        all.entitySchemas().forEach((id, text) -> parsed.put(id, parse(text)));
        Compatibility compatibility = new Compatibility(parsed);
        List<String> out = new ArrayList<>();
        for (PlantContract c : contracts) {
            if (c.minor() == 0) continue;
            Version previous = null;
            for (Version v : all.types().get(c.type()).versions()) {
                if (versionPart(v.version(), 1) == c.major() && versionPart(v.version(), 2) < c.minor()) previous = v;
            }
            if (previous == null) continue;
            String beforeId = ENTITY_BASE + previous.entity(), afterId = ENTITY_BASE + c.entity();
            for (String change : compatibility.breaks(parsed.get(beforeId), beforeId, parsed.get(afterId), afterId)) {
                out.add(c.file() + ": " + change + " — breaks compatibility with " + c.type() + " " + previous.version()
                        + "; only a new major version (v" + (c.major() + 1) + ") may do this");
            }
        }
        return out;
    }

    static int versionPart(String version, int group) {
        var m = PlantContract.VERSION.matcher(version);
        if (!m.matches()) return 0;
        return m.group(group) == null ? 0 : Integer.parseInt(m.group(group));
    }

    private static JsonNode parse(String text) {
        try {
            return Json.MAPPER.readTree(text);
        } catch (IOException e) {
            throw new IllegalStateException("bad JSON in a shipped schema", e);
        }
    }

    private static String resource(String name) {
        try (InputStream in = ContractCatalog.class.getResourceAsStream(name)) {
            if (in == null) throw new IllegalStateException("missing resource " + name);
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new IllegalStateException("cannot read " + name, e);
        }
    }
}
