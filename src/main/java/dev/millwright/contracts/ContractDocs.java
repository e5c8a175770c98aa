package dev.millwright.contracts;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import dev.millwright.event.Json;

import java.io.IOException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/** docs/contracts.md: every catalog type with its versions, fields, description and example, from the catalog itself. */
public final class ContractDocs {
    private ContractDocs() {
    }

    public static String markdown(ContractCatalog catalog) {
        StringBuilder md = new StringBuilder("""
                # Event contracts

                <!-- Generated from src/main/resources/contracts. Do not edit: run `./millwright docs`. -->

                Every event whose type is below is validated at the door against the JSON Schema (draft 2020-12) of the
                version its CloudEvents `dataschema` names — `https://millwright.dev/contracts/<type>/<version>` —
                or v1 when it names none. Catalog events also carry the extension attributes `plant` (the
                hierarchy scope, e.g. `acme/plant-a`) and `correlationid` (the business transaction, e.g. the NCR).
                Quantities always carry a unit, money a currency, timestamps an offset. The schemas are served at
                `GET /api/v1/contracts/{type}/{version}`.

                | type | versions | data |
                |---|---|---|
                """);
        List<ContractCatalog.EventType> types = new ArrayList<>(catalog.types().values());
        types.sort(Comparator.comparing(ContractCatalog.EventType::type));
        for (ContractCatalog.EventType t : types) {
            md.append("| [`").append(t.type()).append("`](#").append(t.type().replace(".", "")).append(") | ")
                    .append(String.join(", ", t.versions().stream().map(ContractCatalog.Version::version).toList()))
                    .append(" | ").append(t.latest().entity().replace("/", " ")).append(" |\n");
        }
        for (ContractCatalog.EventType t : types) {
            md.append("\n## ").append(t.type()).append("\n\n").append(t.description()).append('\n');
            for (ContractCatalog.Version v : t.versions()) {
                JsonNode entity = read(catalog.entitySchemas().get(ContractCatalog.ENTITY_BASE + v.entity()));
                md.append("\n### ").append(v.version()).append(" — `").append(v.schemaId(t.type())).append("`\n\n")
                        .append("Data: ").append(v.entity().replace("/", " ")).append(" — ").append(entity.path("description").asText()).append('\n');
                if (!v.pins().isEmpty()) md.append("Fixed by this type: ").append(v.pins()).append(".\n");
                if (!v.required().isEmpty()) md.append("Also required by this type: ").append(String.join(", ", v.required())).append(".\n");
                Set<String> required = new HashSet<>();
                entity.path("required").forEach(r -> required.add(r.asText()));
                required.addAll(v.required());
                md.append("\n| field | type | required | description |\n|---|---|---|---|\n");
                entity.path("properties").fields().forEachRemaining(f -> md.append("| `").append(f.getKey()).append("` | ")
                        .append(typeOf(f.getValue())).append(" | ").append(required.contains(f.getKey()) || v.pins().containsKey(f.getKey()) ? "yes" : "no")
                        .append(" | ").append(f.getValue().path("description").asText("").replace("|", "\\|")).append(" |\n"));
                md.append("\nExample `data`:\n\n```json\n").append(pretty(v.example())).append("\n```\n");
            }
        }
        return md.toString();
    }

    private static String typeOf(JsonNode property) {
        if (property.has("$ref")) {
            String ref = property.get("$ref").asText();
            return ref.substring(ref.lastIndexOf('/') + 1);
        }
        if (property.has("enum")) {
            List<String> values = new ArrayList<>();
            property.get("enum").forEach(v -> values.add(v.asText()));
            return "one of " + String.join(", ", values);
        }
        if (property.path("type").asText().equals("array")) return "list of " + typeOf(property.path("items"));
        return property.path("type").isMissingNode() ? "object" : property.get("type").asText();
    }

    private static JsonNode read(String text) {
        try {
            return Json.MAPPER.readTree(text);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    private static String pretty(JsonNode node) {
        try {
            return Json.MAPPER.writerWithDefaultPrettyPrinter().writeValueAsString(node);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }
}
