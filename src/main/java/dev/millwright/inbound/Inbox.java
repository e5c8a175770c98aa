package dev.millwright.inbound;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.millwright.contracts.Contracts;
import dev.millwright.event.CloudEvent;
import dev.millwright.ingest.CloudEventReader;
import dev.millwright.ingest.IngestService;
import dev.millwright.ingest.RejectedInput;
import dev.millwright.ingest.Violation;
import dev.millwright.mapping.Mapping;
import dev.millwright.mapping.Mappings;
import dev.millwright.metrics.HubMetrics;
import dev.millwright.store.InboundFailureStore;
import dev.millwright.store.StoreException;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.stream.Collectors;

/**
 * Where every inbound connector hands what a system sent: the payload is parsed, mapped to events,
 * checked like any CloudEvent and stored in one commit — or, when it cannot become events, kept whole
 * as an inbound failure with the reason. Either way it is stored before the connector acknowledges it.
 */
public final class Inbox {
    private static final int EXCERPT = 300;
    /** Extension attribute on events mapped without context a $fetch could not get (operations with onUnavailable: proceed). */
    public static final String CONTEXT_MISSING = "contextmissing";

    /** Where a payload came from: the system, the connector kind, and the connector's own reference. */
    public record Origin(String system, String channel, String reference) {
    }

    /** How a system's payloads become events: its mapping and the source of the events it makes. */
    public record Route(String mapping, String source) {
    }

    /** What became of a payload: stored events, or the id of the inbound failure that keeps it. */
    public record Receipt(int accepted, int duplicates, Long failureId, String reason) {
        public boolean deadLettered() {
            return failureId != null;
        }
    }

    /** One hand-over to the inbox, repeated while the database is away. */
    @FunctionalInterface
    public interface Take {
        Receipt run() throws InterruptedException, NotStored;
    }

    /** Neither the events nor the failure could be stored: the connector must not acknowledge the payload. */
    public static final class NotStored extends Exception {
        public NotStored(String message) {
            super(message, null, false, false);
        }
    }

    private final Mappings mappings;
    private final CloudEventReader reader;
    private final Contracts contracts;
    private final IngestService ingest;
    private final InboundFailureStore failures;
    private final HubMetrics metrics;
    private final java.util.Map<String, dev.millwright.config.SystemConfig> systems;

    public Inbox(Mappings mappings, CloudEventReader reader, Contracts contracts, IngestService ingest,
                 InboundFailureStore failures, HubMetrics metrics, java.util.Map<String, dev.millwright.config.SystemConfig> systems) {
        this.systems = systems;
        this.mappings = mappings;
        this.reader = reader;
        this.contracts = contracts;
        this.ingest = ingest;
        this.failures = failures;
        this.metrics = metrics;
    }

    /**
     * Maps a parsed payload to checked CloudEvents.
     *
     * @param variables bound in the mapping ($topic, $file, ...)
     * @throws RejectedInput naming every problem (422)
     */
    public List<CloudEvent> map(String system, Route route, JsonNode payload, Map<String, String> variables) {
        Mapping mapping = mappings.get(route.mapping());
        JsonNode mapped;
        List<String> missing = new ArrayList<>();
        try {
            mapped = mappings.apply(route.mapping(), payload, variables, missing);
        } catch (Mapping.Unavailable e) {
            // Not the payload's fault: the system that gives the context cannot answer now. Nothing is stored; try again later.
            throw new RejectedInput(503, "Context unavailable", List.of(new Violation("", e.describe())));
        } catch (Mapping.MappingException e) {
            throw new RejectedInput(422, "Mapping failed", List.of(new Violation("", e.describe() + "; input: " + excerpt(payload))));
        }
        List<JsonNode> outputs = new ArrayList<>();
        if (mapped instanceof ArrayNode array) array.forEach(outputs::add);
        else if (!mapped.isNull() && !mapped.isMissingNode()) outputs.add(mapped);
        List<Violation> violations = new ArrayList<>();
        List<CloudEvent> events = new ArrayList<>();
        for (int i = 0; i < outputs.size(); i++) {
            JsonNode out = outputs.get(i);
            if (!(out instanceof ObjectNode event)) {
                violations.add(new Violation("/" + i, "produced " + out.getNodeType() + ", not an event object"));
                continue;
            }
            event.put("specversion", "1.0");
            if (!missing.isEmpty()) event.put(CONTEXT_MISSING, String.join(" ", missing));
            String own = route.source() != null ? route.source() : "system://" + system;
            if (!event.hasNonNull("source")) {
                event.put("source", own);
            } else if (!event.get("source").asText().equals(own) && !owns(system, event.get("source").asText())) {
                // A mapping speaks for its own system only: another system's source would forge that system's events.
                violations.add(new Violation("/" + i + "/source", "source '" + event.get("source").asText() + "' is not "
                        + system + "'s: a mapping may use its channel's source (" + own + ") or one of the system's sources"));
                continue;
            }
            if (event.has("id") && event.get("id").isNumber()) event.put("id", event.get("id").asText());
            CloudEvent e = reader.check(event, null, "/" + i, violations);
            if (e != null && !ofItsPlants(system, e)) {
                violations.add(new Violation("/" + i + "/plant", "plant '" + e.attribute("plant") + "' is not one of " + system + "'s plants ("
                        + String.join(", ", systems.get(system).plants()) + ")"));
            } else if (e != null) {
                events.add(e);
            }
        }
        if (!violations.isEmpty()) {
            throw new RejectedInput(422, "Mapping produced invalid events", violations.stream()
                    .map(v -> new Violation(v.pointer(), "mapping " + mapping.name() + ": " + v.detail(), v.keyword())).toList());
        }
        return events;
    }

    /** A system that declares its plants speaks only for them, whatever channel its payload came through. */
    private boolean ofItsPlants(String system, CloudEvent e) {
        var config = systems.get(system);
        String plant = e.attribute("plant");
        return config == null || config.plants().isEmpty() || plant == null
                || dev.millwright.security.PlantScope.of(config.plants()).allows(plant);
    }

    private boolean owns(String system, String source) {
        var config = systems.get(system);
        return config != null && config.ownsSource(source);
    }

    /** Contract checks of mapped events; @throws RejectedInput (400) naming every violation */
    public void checkContracts(List<CloudEvent> events) {
        List<Violation> violations = contracts.check(events, true);
        if (!violations.isEmpty()) throw new RejectedInput(400, "Contract violation", violations);
    }

    /** Stores events in one commit. @throws NotStored when the database cannot take them now */
    public IngestService.Result store(List<CloudEvent> events) throws InterruptedException, NotStored {
        if (events.isEmpty()) return new IngestService.Result(0, 0);
        try {
            return ingest.submit(events).get();
        } catch (ExecutionException e) {
            throw new NotStored(e.getCause() instanceof IngestService.Overloaded o ? o.getMessage() : "the database is not available");
        }
    }

    /** One payload from a connector, with where it came from and the variables its mapping sees ($topic, $file, ...). */
    public record Payload(Origin origin, byte[] bytes, Map<String, String> variables) {
    }

    /**
     * Takes one payload from a connector, all or nothing: every event it maps to is stored, or the payload
     * is kept as an inbound failure with the reason (the connector may acknowledge it either way).
     *
     * @throws NotStored when neither could be stored: the connector must not acknowledge, so the system sends it again
     */
    public Receipt take(Origin origin, Route route, PayloadFormat format, byte[] payload, Map<String, String> variables)
            throws InterruptedException, NotStored {
        return takeAll(route, format, List.of(new Payload(origin, payload, variables)));
    }

    /**
     * Takes many payloads of one route at once (a Kafka poll): each that cannot become events is kept alone
     * as an inbound failure; the events of all the others are stored in one commit.
     *
     * @return the events stored; failureId and reason are those of the last payload dead-lettered, if any
     * @throws NotStored when the events or a failure could not be stored; taking the same payloads again is safe
     */
    public Receipt takeAll(Route route, PayloadFormat format, List<Payload> payloads) throws InterruptedException, NotStored {
        List<CloudEvent> events = new ArrayList<>();
        List<Map.Entry<Payload, String>> rejected = new ArrayList<>();
        for (Payload p : payloads) {
            try {
                List<CloudEvent> mapped = map(p.origin().system(), route, format.parse(p.bytes()), p.variables());
                checkContracts(mapped);
                events.addAll(mapped);
            } catch (RejectedInput e) {
                if (e.status() == 503) throw new NotStored(describe(e)); // wait: the connector takes it again later
                rejected.add(Map.entry(p, describe(e)));
            }
        }
        IngestService.Result result = store(events);
        // Failures are kept after the events: taking the payloads again after a NotStored then repeats only
        // events (found to be duplicates), never a failure.
        Receipt failed = null;
        for (var r : rejected) failed = deadLetter(r.getKey().origin(), format, r.getKey().bytes(), r.getValue());
        if (!payloads.isEmpty()) {
            String system = payloads.getFirst().origin().system();
            metrics.received(system, "accepted", result.accepted());
            metrics.received(system, "duplicate", result.duplicates());
        }
        return new Receipt(result.accepted(), result.duplicates(), failed == null ? null : failed.failureId(), failed == null ? null : failed.reason());
    }

    /** Keeps a payload that cannot become events, with the reason. */
    public Receipt deadLetter(Origin origin, PayloadFormat format, byte[] payload, String reason) throws NotStored {
        try {
            long id = failures.add(origin.system(), origin.channel(), origin.reference(), format.id(), payload, reason);
            metrics.received(origin.system(), "dead-lettered", 1);
            return new Receipt(0, 0, id, reason);
        } catch (StoreException e) {
            throw new NotStored("the database is not available");
        }
    }

    /** "Title: problem; problem" with JSON pointers where they help. */
    public static String describe(RejectedInput e) {
        return e.title() + ": " + e.violations().stream()
                .map(v -> (v.pointer().isEmpty() ? "" : v.pointer() + " ") + v.detail())
                .collect(Collectors.joining("; "));
    }

    private static String excerpt(JsonNode payload) {
        String text = payload.toString();
        return text.length() <= EXCERPT ? text : text.substring(0, EXCERPT) + "…";
    }
}
