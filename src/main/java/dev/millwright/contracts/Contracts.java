package dev.millwright.contracts;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.networknt.schema.Error;
import com.networknt.schema.Schema;
import com.networknt.schema.SchemaLocation;
import com.networknt.schema.SchemaRegistry;
import com.networknt.schema.SchemaRegistryConfig;
import com.networknt.schema.SpecificationVersion;
import com.networknt.schema.path.PathType;
import dev.millwright.event.CloudEvent;
import dev.millwright.event.Json;
import dev.millwright.ingest.Violation;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Validates events of catalog types against the schema of their declared version at the door.
 * The version comes from {@code dataschema} (…/contracts/TYPE/vN); without one, v1 is assumed.
 * Schemas are compiled once, when the hub starts.
 */
public final class Contracts {
    /** Extension attributes every catalog event carries. */
    public static final List<String> REQUIRED_ATTRIBUTES = List.of("plant", "correlationid");

    private final ContractCatalog catalog;
    private final boolean allowUnknownTypes;
    private final Map<String, Schema> schemas = new LinkedHashMap<>();
    private final Map<String, String> typeSchemaTexts = new LinkedHashMap<>();

    public Contracts(ContractCatalog catalog, boolean allowUnknownTypes) {
        this.catalog = catalog;
        this.allowUnknownTypes = allowUnknownTypes;
        Map<String, String> texts = new LinkedHashMap<>(catalog.entitySchemas());
        for (ContractCatalog.EventType t : catalog.types().values()) {
            for (ContractCatalog.Version v : t.versions()) {
                String text = typeSchema(t, v).toString();
                typeSchemaTexts.put(v.schemaId(t.type()), text);
                texts.put(v.schemaId(t.type()), text);
            }
        }
        SchemaRegistryConfig config = SchemaRegistryConfig.builder().formatAssertionsEnabled(true)
                .pathType(PathType.JSON_POINTER).build();
        SchemaRegistry registry = SchemaRegistry.withDefaultDialect(SpecificationVersion.DRAFT_2020_12,
                b -> b.schemas(texts).schemaRegistryConfig(config));
        for (String id : typeSchemaTexts.keySet()) {
            Schema schema = registry.getSchema(SchemaLocation.of(id));
            schema.initializeValidators(); // compile now, not on the first event
            schemas.put(id, schema);
        }
    }

    public ContractCatalog catalog() {
        return catalog;
    }

    /** The schema of a type's version: the entity schema plus what the type pins and requires. */
    private static ObjectNode typeSchema(ContractCatalog.EventType t, ContractCatalog.Version v) {
        ObjectNode s = Json.MAPPER.createObjectNode();
        s.put("$schema", "https://json-schema.org/draft/2020-12/schema");
        s.put("$id", v.schemaId(t.type()));
        s.put("title", t.type() + " " + v.version());
        s.put("description", t.description());
        ArrayNode allOf = s.putArray("allOf");
        allOf.addObject().put("$ref", ContractCatalog.ENTITY_BASE + v.entity());
        if (!v.pins().isEmpty() || !v.required().isEmpty()) {
            ObjectNode extra = allOf.addObject();
            ArrayNode required = extra.putArray("required");
            ObjectNode props = extra.putObject("properties");
            v.pins().forEach((field, value) -> {
                props.putObject(field).set("const", Json.MAPPER.valueToTree(value));
                required.add(field);
            });
            v.required().forEach(required::add);
        }
        return s;
    }

    /** A problem with a contract's own example. */
    public record ExampleProblem(String file, String field, String message) {
    }

    /** Checks each version's example (plant contracts give theirs as "examples") against its schema. */
    public List<ExampleProblem> checkExamples() {
        List<ExampleProblem> out = new ArrayList<>();
        for (ContractCatalog.EventType t : catalog.types().values()) {
            for (ContractCatalog.Version v : t.versions()) {
                if (v.example() == null) continue;
                for (Error e : schemas.get(v.schemaId(t.type())).validate(v.example())) {
                    out.add(new ExampleProblem("contracts/" + t.type() + "/" + v.version() + ".json",
                            "examples/0" + e.getInstanceLocation(), sentence(e)));
                }
            }
        }
        return out;
    }

    /** The JSON text of a type's version schema, as served by the registry API. */
    public Optional<String> schemaText(String type, String version) {
        ContractCatalog.EventType t = catalog.types().get(type);
        if (t == null || t.version(version) == null) return Optional.empty();
        return Optional.of(typeSchemaTexts.get(t.version(version).schemaId(type)));
    }

    /**
     * Every contract problem of these events, pointers prefixed by each event's place in the request
     * ("" for one event, "/i" in a batch).
     */
    public List<Violation> check(List<CloudEvent> events, boolean batch) {
        List<Violation> out = new ArrayList<>();
        for (int i = 0; i < events.size(); i++) check(events.get(i), batch ? "/" + i : "", out);
        return out;
    }

    void check(CloudEvent e, String at, List<Violation> out) {
        ContractCatalog.EventType type = catalog.types().get(e.type());
        if (type == null) {
            if (!allowUnknownTypes) {
                out.add(new Violation(at + "/type", "type '" + e.type() + "' is not in the event catalog (GET /api/v1/contracts); "
                        + "this plant accepts only catalog types (contracts.allowUnknownTypes is false)", "catalog"));
            }
            return;
        }
        for (String attribute : REQUIRED_ATTRIBUTES) {
            if (e.attribute(attribute) == null || e.attribute(attribute).isBlank()) {
                out.add(new Violation(at + "/" + attribute, "catalog events carry the extension attribute '" + attribute + "'", "required"));
            }
        }
        ContractCatalog.Version version = declaredVersion(e, type, at, out);
        if (version == null) return;
        JsonNode data = e.data();
        if (data == null) {
            out.add(new Violation(at + "/data", "a " + e.type() + " event carries its data as JSON", "required"));
            return;
        }
        for (Error error : schemas.get(version.schemaId(type.type())).validate(data)) {
            String where = error.getInstanceLocation().toString();
            String pointer = at + "/data" + (where.equals("") || where.equals("/") ? "" : where);
            if (error.getProperty() != null && "required".equals(error.getKeyword())) pointer += "/" + error.getProperty();
            out.add(new Violation(pointer, sentence(error), error.getKeyword()));
        }
    }

    private ContractCatalog.Version declaredVersion(CloudEvent e, ContractCatalog.EventType type, String at, List<Violation> out) {
        String dataschema = e.attribute("dataschema");
        if (dataschema == null) return type.versions().getFirst();
        String prefix = ContractCatalog.BASE + type.type() + "/";
        ContractCatalog.Version v = dataschema.startsWith(prefix) ? type.version(dataschema.substring(prefix.length())) : null;
        if (v == null) {
            out.add(new Violation(at + "/dataschema", "'" + dataschema + "' is not a schema of " + type.type() + "; known: "
                    + String.join(", ", type.versions().stream().map(x -> x.schemaId(type.type())).toList()), "dataschema"));
        }
        return v;
    }

    /** The validator's message without its leading location, which the pointer already gives. */
    private static String sentence(Error error) {
        String message = error.getMessage();
        String location = error.getInstanceLocation().toString();
        if (message.startsWith(location + ": ")) message = message.substring(location.length() + 2);
        return message;
    }
}
