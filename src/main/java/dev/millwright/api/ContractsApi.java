package dev.millwright.api;

import dev.millwright.contracts.ContractCatalog;
import dev.millwright.contracts.Contracts;
import io.javalin.http.Context;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** The contract registry: the event catalog and each version's JSON Schema. */
final class ContractsApi {
    private final Contracts contracts;

    ContractsApi(Contracts contracts) {
        this.contracts = contracts;
    }

    void list(Context ctx) {
        List<Map<String, Object>> types = contracts.catalog().types().values().stream()
                .sorted(java.util.Comparator.comparing(ContractCatalog.EventType::type))
                .map(t -> {
                    Map<String, Object> out = new LinkedHashMap<>();
                    out.put("type", t.type());
                    out.put("description", t.description());
                    out.put("versions", t.versions().stream().map(ContractCatalog.Version::version).toList());
                    out.put("latest", t.latest().schemaId(t.type()));
                    return out;
                }).toList();
        JsonBody.send(ctx, 200, Map.of("items", types));
    }

    void get(Context ctx) {
        String type = ctx.pathParam("type"), version = ctx.pathParam("version");
        String schema = contracts.schemaText(type, version).orElseThrow(() ->
                ApiException.notFound("no contract " + type + "/" + version + "; GET /api/v1/contracts lists them"));
        ctx.contentType("application/schema+json").result(schema);
    }
}
