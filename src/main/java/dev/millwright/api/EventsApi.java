package dev.millwright.api;

import dev.millwright.inbound.http.WebhookReceiver;
import dev.millwright.event.CloudEvent;
import dev.millwright.event.Json;
import dev.millwright.event.TraceParent;
import dev.millwright.ingest.CloudEventReader;
import dev.millwright.ingest.IngestService;
import dev.millwright.ingest.RejectedInput;
import dev.millwright.ingest.Violation;
import dev.millwright.contracts.Contracts;

import dev.millwright.store.EventStore;
import dev.millwright.store.StoredEvent;
import io.javalin.http.Context;

import java.io.IOException;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ExecutionException;

/** POST /api/v1/events (ingest) and the event log queries. */
final class EventsApi {
    private final IngestService ingest;
    private final EventStore events;
    private final Contracts contracts;
    private final WebhookReceiver webhooks;
    private final CloudEventReader reader;
    private final int maxBodyBytes;

    EventsApi(IngestService ingest, EventStore events, Contracts contracts, WebhookReceiver webhooks, int maxBatchEvents,
              int maxBodyBytes) {
        this.ingest = ingest;
        this.events = events;
        this.contracts = contracts;
        this.webhooks = webhooks;
        this.reader = new CloudEventReader(maxBatchEvents);
        this.maxBodyBytes = maxBodyBytes;
    }

    void ingest(Context ctx) throws InterruptedException {
        try (IngestService.Arrival arrival = ingest.arrived()) {
            byte[] body = readBody(ctx);
            Map<String, String> headers = new HashMap<>();
            ctx.headerMap().forEach((k, v) -> headers.put(k.toLowerCase(Locale.ROOT), v));
            List<CloudEvent> parsed = reader.read(ctx.contentType(), headers, body);
            checkSender(Caller.principal(ctx), parsed);
            carryTraceContext(parsed, headers.get("traceparent"));
            store(ctx, parsed, CloudEventReader.BATCH.equals(CloudEventReader.mediaType(ctx.contentType())));
        }
    }

    /** POST /api/v1/inbound/{system}: a system's own payload, authenticated and mapped to events. */
    void inbound(Context ctx) throws InterruptedException {
        byte[] body = readBody(ctx);
        Map<String, String> headers = new HashMap<>();
        ctx.headerMap().forEach((k, v) -> headers.put(k.toLowerCase(Locale.ROOT), v));
        List<CloudEvent> mapped = webhooks.receive(ctx.pathParam("system"), ctx.contentType(), headers, body);
        if (mapped.isEmpty()) {
            JsonBody.send(ctx, 202, Map.of("accepted", 0, "duplicates", 0));
            return;
        }
        store(ctx, mapped, true);
    }

    /**
     * A sender may only send events of its plants and, when it is held to sources, under those: one event outside
     * refuses the whole request (403, naming each), and nothing is stored.
     */
    private static void checkSender(dev.millwright.security.Principal sender, List<CloudEvent> events) {
        List<Violation> refused = new java.util.ArrayList<>();
        for (int i = 0; i < events.size(); i++) {
            CloudEvent e = events.get(i);
            String pointer = events.size() == 1 ? "" : "/" + i;
            String plant = e.attribute("plant");
            if (plant != null && !sender.plants().allows(plant)) {
                refused.add(new Violation(pointer + "/plant", "plant '" + plant + "' is outside " + sender.actor() + "'s plants (" + sender.plants() + ")"));
            }
            if (!sender.allowsSource(e.source())) {
                refused.add(new Violation(pointer + "/source", "source '" + e.source() + "' is not one " + sender.actor() + " may send under ("
                        + String.join(", ", sender.sources()) + ")"));
            }
        }
        if (!refused.isEmpty()) throw new RejectedInput(403, "Not allowed for this sender", refused);
    }

    /**
     * A request's W3C traceparent header applies to its events that carry no trace context of their own (the
     * CloudEvents distributed-tracing extension); the log keeps the body as sent and the trace context beside it.
     */
    private static void carryTraceContext(List<CloudEvent> events, String header) {
        String traceparent = TraceParent.valid(header);
        if (traceparent == null) return;
        for (CloudEvent e : events) {
            if (e.attribute("traceparent") == null) e.envelope().put("traceparent", traceparent);
        }
    }

    private void store(Context ctx, List<CloudEvent> parsed, boolean batch) throws InterruptedException {
        List<Violation> violations = contracts.check(parsed, batch);
        if (!violations.isEmpty()) throw new RejectedInput(400, "Contract violation", violations);
        try {
            IngestService.Result result = ingest.submit(parsed).get();
            Map<String, Object> out = new LinkedHashMap<>();
            out.put("accepted", result.accepted());
            out.put("duplicates", result.duplicates());
            JsonBody.send(ctx, 202, out);
        } catch (ExecutionException e) {
            ctx.header("Retry-After", "1");
            String why = e.getCause() instanceof IngestService.Overloaded o ? o.getMessage() : "the database is not available";
            throw new ApiException(Problem.of(503, "Not stored", why + "; nothing was stored, send again"));
        }
    }

    private byte[] readBody(Context ctx) {
        return BoundedBody.read(ctx, maxBodyBytes, this::tooLarge);
    }

    private RejectedInput tooLarge(long size) {
        return new RejectedInput(413, "Body too large", "the body " + (size > 0 ? "is " + size + " bytes; " : "exceeds ")
                + "the limit is " + maxBodyBytes + " bytes");
    }

    void get(Context ctx) {
        Params p = new Params(ctx);
        String source = p.text("source");
        p.check();
        List<StoredEvent> found = events.byId(ctx.pathParam("id"), source).stream()
                .filter(e -> Caller.plants(ctx).allows(e.plant())).toList();
        if (found.isEmpty()) throw ApiException.notFound("no event with id '" + ctx.pathParam("id") + "'"
                + (source == null ? "" : " from source '" + source + "'"));
        if (found.size() > 1) {
            throw new ApiException(Problem.of(409, "Ambiguous id",
                    "several sources sent an event with this id; add ?source= to pick one"));
        }
        JsonBody.send(ctx, 200, view(found.getFirst()));
    }

    void search(Context ctx) {
        Params p = new Params(ctx);
        String type = p.text("type"), subject = p.text("subject"), source = p.text("source");
        long after = p.longValue("after", 0, 0, Long.MAX_VALUE);
        int limit = (int) p.longValue("limit", 100, 1, 1000);
        p.check();
        List<StoredEvent> page = events.search(type, subject, source, Caller.plants(ctx), after, limit);
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("items", page.stream().map(EventsApi::view).toList());
        out.put("next", page.size() == limit ? page.getLast().seq() : null);
        JsonBody.send(ctx, 200, out);
    }

    static Map<String, Object> view(StoredEvent e) {
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("seq", e.seq());
        out.put("receivedAt", e.receivedAt().toString());
        try {
            out.put("event", Json.MAPPER.readTree(e.body()));
        } catch (IOException ex) {
            throw new IllegalStateException("stored event " + e.seq() + " is not JSON", ex);
        }
        return out;
    }
}
