package dev.millwright.api;

import com.fasterxml.jackson.databind.JsonNode;
import dev.millwright.event.Json;
import dev.millwright.ingest.Violation;
import dev.millwright.operations.Operations;
import dev.millwright.store.DeliveryFilter;
import dev.millwright.store.DeliveryState;
import dev.millwright.store.DeliveryStore;
import dev.millwright.store.DeliveryView;
import io.javalin.http.Context;

import java.io.IOException;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** Deliveries: list, inspect, retry; and replays. */
final class DeliveriesApi {
    private final DeliveryStore deliveries;
    private final Operations operations;

    DeliveriesApi(DeliveryStore deliveries, Operations operations) {
        this.deliveries = deliveries;
        this.operations = operations;
    }

    void search(Context ctx) {
        Params p = new Params(ctx);
        DeliveryState state = p.parsed("status", DeliveryState::parse);
        String target = p.text("target"), key = p.text("key"), subscription = p.text("subscription"), reason = p.text("reason"),
                type = p.text("type");
        Instant from = p.instant("from"), to = p.instant("to");
        long after = p.longValue("after", 0, 0, Long.MAX_VALUE);
        int limit = (int) p.longValue("limit", 100, 1, 1000);
        p.check();
        List<DeliveryView> page = deliveries.search(new DeliveryFilter(state, target, key, subscription, reason, Caller.plants(ctx), type, from, to,
                null), after, limit);
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("items", page);
        out.put("next", page.size() == limit ? page.getLast().id() : null);
        JsonBody.send(ctx, 200, out);
    }

    void get(Context ctx) {
        long id = pathId(ctx);
        DeliveryView d = visible(ctx, id);
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("delivery", d);
        deliveries.payload(id).ifPresent(p -> {
            out.put("edited", p.edited());
            out.put("payload", p.body() == null ? null : json(p.body()));
        });
        out.put("attempts", deliveries.attempts(id));
        JsonBody.send(ctx, 200, out);
    }

    void retry(Context ctx) {
        long id = pathId(ctx);
        DeliveryView d = visible(ctx, id);
        if (!operations.retry(id, Caller.actor(ctx))) {
            throw new ApiException(Problem.of(409, "Not retryable",
                    "delivery " + id + " is " + d.state() + "; only dead or failed deliveries can be retried"));
        }
        JsonBody.send(ctx, 202, Map.of("retried", 1));
    }

    /**
     * PUT /api/v1/deliveries/{id}/payload: a dead or failed delivery's CloudEvent, corrected, for its next attempts (the
     * event log keeps the original; the audit trail the differences). Retry it next.
     */
    void editPayload(Context ctx) {
        long id = pathId(ctx);
        visible(ctx, id);
        JsonNode body = JsonBody.readAny(ctx);
        Operations.Edit edit = operations.editPayload(id, body, Caller.actor(ctx));
        if (!edit.found()) throw ApiException.notFound("no delivery " + id);
        if (edit.refused() != null) throw new ApiException(Problem.of(409, "Not editable", edit.refused()));
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("delivery", id);
        out.put("changed", !edit.diff().isEmpty());
        out.put("differences", edit.diff());
        JsonBody.send(ctx, 200, out);
    }

    private static JsonNode json(String text) {
        try {
            return Json.MAPPER.readTree(text);
        } catch (IOException e) {
            return Json.MAPPER.getNodeFactory().textNode(text);
        }
    }

    void retryMatching(Context ctx) {
        JsonNode body = JsonBody.read(ctx, Set.of("status", "target", "key", "subscription", "reason", "type", "from", "to", "ids"));
        List<Violation> errors = new ArrayList<>();
        DeliveryState state = null;
        String status = text(body, "status", errors);
        if (status != null) {
            try {
                state = DeliveryState.parse(status);
                if (state != DeliveryState.dead && state != DeliveryState.failed) {
                    errors.add(new Violation("/status", "only dead or failed deliveries can be retried"));
                }
            } catch (IllegalArgumentException e) {
                errors.add(new Violation("/status", e.getMessage()));
            }
        }
        List<Long> ids = null;
        JsonNode idsNode = body.get("ids");
        if (idsNode != null && !idsNode.isNull()) {
            if (!idsNode.isArray() || idsNode.isEmpty() || idsNode.size() > 10_000) {
                errors.add(new Violation("/ids", "must be a list of 1 to 10,000 delivery ids (a selection)"));
            } else {
                ids = new ArrayList<>();
                for (int i = 0; i < idsNode.size(); i++) {
                    if (!idsNode.get(i).canConvertToLong() || idsNode.get(i).asLong() <= 0) errors.add(new Violation("/ids/" + i, "is not a delivery id"));
                    else ids.add(idsNode.get(i).asLong());
                }
            }
        }
        DeliveryFilter filter = new DeliveryFilter(state, text(body, "target", errors), text(body, "key", errors),
                text(body, "subscription", errors), text(body, "reason", errors), Caller.plants(ctx), text(body, "type", errors),
                time(body, "from", errors), time(body, "to", errors), ids);
        if (!errors.isEmpty()) throw new ApiException(new Problem(400, "Invalid retry request", null, errors));
        Operations.Batch batch = operations.retryMatching(filter, Caller.actor(ctx));
        JsonBody.send(ctx, 202, Map.of("retried", batch.retried(), "batch", batch.id()));
    }

    /** GET /api/v1/retry-batches: the newest retry batches the caller's plants cover, with their progress. */
    void batches(Context ctx) {
        var plants = Caller.plants(ctx);
        JsonBody.send(ctx, 200, Map.of("items", deliveries.batches(null, 50).stream().filter(b -> b.visibleTo(plants)).toList()));
    }

    /** GET /api/v1/retry-batches/{id}: one batch and what became of its deliveries. */
    void batch(Context ctx) {
        long id = Params.pathId(ctx, "retry batch");
        DeliveryStore.RetryBatch b = deliveries.batches(List.of(id), 1).stream().findFirst().filter(x -> x.visibleTo(Caller.plants(ctx)))
                .orElseThrow(() -> ApiException.notFound("no retry batch " + id));
        JsonBody.send(ctx, 200, b);
    }

    void replay(Context ctx) {
        JsonNode body = JsonBody.read(ctx, Set.of("subscription", "type", "subject", "from", "to", "newKeys", "dryRun"));
        List<Violation> errors = new ArrayList<>();
        String subscription = text(body, "subscription", errors);
        if (subscription == null && !body.has("subscription")) errors.add(new Violation("/subscription", "is required"));
        Instant from = time(body, "from", errors), to = time(body, "to", errors);
        JsonNode newKeys = body.get("newKeys");
        if (newKeys != null && !newKeys.isBoolean()) errors.add(new Violation("/newKeys", "must be true or false"));
        JsonNode dryRun = body.get("dryRun");
        if (dryRun != null && !dryRun.isBoolean()) errors.add(new Violation("/dryRun", "must be true or false"));
        var request = new Operations.ReplayRequest(subscription, text(body, "type", errors), text(body, "subject", errors),
                from, to, newKeys != null && newKeys.asBoolean(), Caller.plants(ctx));
        if (!errors.isEmpty()) throw new ApiException(new Problem(400, "Invalid replay request", null, errors));
        if (dryRun != null && dryRun.asBoolean()) {
            // "N events → M deliveries, D already delivered under the same key": nothing is written.
            Operations.DryRun dry = operations.dryRun(request).orElseThrow(() -> ApiException.notFound("no subscription '" + subscription + "'"));
            JsonBody.send(ctx, 200, Map.of("dryRun", true, "events", dry.events(), "deliveries", dry.deliveries(),
                    "alreadyDelivered", dry.alreadyDelivered()));
            return;
        }
        Operations.ReplayResult result = operations.replay(request, Caller.actor(ctx))
                .orElseThrow(() -> ApiException.notFound("no subscription '" + subscription + "'"));
        JsonBody.send(ctx, 202, Map.of("replayId", result.replayId(), "deliveries", result.deliveries()));
    }

    /** The delivery, if the caller's plants include its event's plant (else the same 404 as for none). */
    private DeliveryView visible(Context ctx, long id) {
        DeliveryView d = deliveries.byId(id).orElseThrow(() -> ApiException.notFound("no delivery " + id));
        Caller.requirePlant(ctx, d.plant(), "no delivery " + id);
        return d;
    }

    private static long pathId(Context ctx) {
        return Params.pathId(ctx, "delivery");
    }

    private static String text(JsonNode body, String field, List<Violation> errors) {
        return JsonBody.text(body, field, errors, false);
    }

    private static Instant time(JsonNode body, String field, List<Violation> errors) {
        String v = text(body, field, errors);
        if (v == null) return null;
        try {
            return OffsetDateTime.parse(v).toInstant();
        } catch (DateTimeParseException e) {
            errors.add(new Violation("/" + field, "'" + v + "' is not an RFC 3339 timestamp"));
            return null;
        }
    }
}
