package dev.millwright.contracts;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.millwright.event.Json;

import java.io.IOException;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Collectors;

/**
 * Brings a stored event to the latest version of its type on the way out, so flows and targets see one
 * version whatever each plant sends; the event log keeps what was sent. Events already at the latest
 * version, and types outside the catalog, pass through untouched (not even re-serialized).
 */
public final class Upcasting {
    private final ContractCatalog catalog;
    private final Map<String, Upcaster> byFrom;

    public Upcasting(ContractCatalog catalog, List<Upcaster> upcasters) {
        this.catalog = catalog;
        this.byFrom = upcasters.stream().collect(Collectors.toMap(Upcaster::from, Function.identity()));
        // Every older version must have a way to the latest, or a plant sending it would stall its flows.
        for (ContractCatalog.EventType t : catalog.types().values()) {
            ContractCatalog.Version latest = latestBuiltIn(t);
            if (latest == null) continue;
            for (ContractCatalog.Version v : t.versions()) {
                if (isPlant(v)) continue;
                String entity = v.entity();
                while (!entity.equals(latest.entity())) {
                    Upcaster next = byFrom.get(entity);
                    if (next == null) {
                        throw new IllegalStateException("no upcaster from " + entity + " toward " + latest.entity() + " for " + t.type());
                    }
                    entity = next.to();
                }
            }
        }
    }

    /**
     * The version events are brought to: the newest catalog version. A plant's own versions are delivered
     * as sent (upcasters for them are not declared yet).
     */
    private static ContractCatalog.Version latestBuiltIn(ContractCatalog.EventType t) {
        ContractCatalog.Version latest = null;
        for (ContractCatalog.Version v : t.versions()) if (!isPlant(v)) latest = v;
        return latest;
    }

    private static boolean isPlant(ContractCatalog.Version v) {
        return v.entity().startsWith("plant/");
    }

    /** The upcasters shipped with the hub. */
    public static Upcasting builtIn(ContractCatalog catalog) {
        return new Upcasting(catalog, List.of(new TestResultV1ToV2()));
    }

    /** The event (structured CloudEvents JSON) of {@code type} at the latest version of that type. */
    public String toLatest(String type, String eventJson) {
        ContractCatalog.EventType t = catalog.types().get(type);
        return t == null || t.versions().size() == 1 ? eventJson : upcast(eventJson);
    }

    private String upcast(String eventJson) {
        ObjectNode event;
        try {
            event = (ObjectNode) Json.MAPPER.readTree(eventJson);
        } catch (IOException | ClassCastException e) {
            return eventJson;
        }
        ContractCatalog.EventType type = catalog.types().get(event.path("type").asText());
        if (type == null) return eventJson;
        JsonNode schema = event.get("dataschema");
        String version = schema == null ? type.versions().getFirst().version()
                : schema.asText().substring(schema.asText().lastIndexOf('/') + 1);
        ContractCatalog.Version declared = type.version(version);
        ContractCatalog.Version latest = latestBuiltIn(type);
        if (declared == null || latest == null || isPlant(declared) || declared == latest
                || !(event.get("data") instanceof ObjectNode data)) return eventJson;
        String entity = declared.entity();
        ObjectNode current = data;
        while (!entity.equals(latest.entity())) {
            Upcaster step = byFrom.get(entity);
            current = step.upcast(current);
            entity = step.to();
        }
        event.set("data", current);
        event.put("dataschema", latest.schemaId(type.type()));
        return event.toString();
    }
}
