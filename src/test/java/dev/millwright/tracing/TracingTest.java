package dev.millwright.tracing;

import dev.millwright.support.HubClient;
import dev.millwright.support.TestCollector;
import dev.millwright.support.TestHub;
import dev.millwright.support.TestPlant;
import dev.millwright.support.TestTarget;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import static dev.millwright.support.HubClient.event;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** Spans for ingest and each delivery attempt, exported over OTLP/HTTP to a real receiver, in the trace the event came with. */
class TracingTest {
    private static final String BATCH = "application/cloudevents-batch+json";
    private static final String COLLECTOR_TOKEN = "collector-token-5f1c";

    @TempDir
    static Path dir;
    static TestCollector collector;
    static TestTarget erp;
    static TestHub hub;
    static HubClient client;

    @BeforeAll
    static void start() throws Exception {
        collector = new TestCollector();
        erp = new TestTarget();
        Path token = dir.resolve("collector.token");
        Files.writeString(token, COLLECTOR_TOKEN);
        TestPlant plant = new TestPlant(dir.resolve("plant"))
                .hub("""
                        plant: traced-plant
                        http: { host: 127.0.0.1, port: 0 }
                        ingest: { groupCommitWindow: 1ms }
                        delivery: { lanes: 4, leaseTtl: 3s, pollInterval: 200ms, drainTimeout: 5s }
                        contracts: { allowUnknownTypes: true }
                        tracing:
                          serviceName: hub-under-test
                          otlp:
                            endpoint: %s
                            exportDelay: 100ms
                            headers: { X-Collector-Token: "${file:%s}" }
                        """.formatted(collector.endpoint(), token))
                .system("erp", erp.baseUrl())
                .subscription("erp-holds", "test.hold", "erp", "/holds", "subject");
        hub = TestHub.start("tracing", plant);
        client = hub.client;
    }

    @AfterAll
    static void stop() {
        hub.close();
        erp.close();
        collector.close();
    }

    private static String traceId(String traceparent) {
        return traceparent.substring(3, 35);
    }

    private static String spanId(String traceparent) {
        return traceparent.substring(36, 52);
    }

    private static TestTarget.Received deliveryOf(String eventId) {
        return erp.received().stream().filter(r -> r.eventId().equals(eventId)).findFirst().orElse(null);
    }

    @Test
    void ingestAndDeliveryAreSpansInTheTraceTheEventArrivedWith() {
        String upstream = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";
        HubClient.Response r = client.postBytes("/api/v1/events", Map.of("Content-Type", BATCH, "traceparent", upstream),
                HubClient.batch(List.of(event("trace-1", "test.hold", "LOT-1", "{}"))).getBytes(java.nio.charset.StandardCharsets.UTF_8));
        assertThat(r.status()).as(r.body()).isEqualTo(202);
        await().atMost(Duration.ofSeconds(15)).until(() -> deliveryOf("trace-1") != null);
        String sent = deliveryOf("trace-1").header("traceparent");
        // Same trace, but the parent the ERP sees is the hub's delivery span, not the upstream caller.
        assertThat(traceId(sent)).isEqualTo(traceId(upstream));
        assertThat(spanId(sent)).isNotEqualTo(spanId(upstream));

        await().atMost(Duration.ofSeconds(15)).until(() -> collector.trace(traceId(upstream)).size() >= 2);
        List<TestCollector.Span> spans = collector.trace(traceId(upstream));
        TestCollector.Span ingest = spans.stream().filter(s -> s.name().equals("ingest test.hold")).findFirst().orElseThrow();
        TestCollector.Span deliver = spans.stream().filter(s -> s.name().equals("deliver erp")).findFirst().orElseThrow();
        assertThat(ingest.parentId()).isEqualTo(spanId(upstream));
        assertThat(ingest.kind()).isEqualTo("SPAN_KIND_CONSUMER");
        assertThat(ingest.attributes()).containsEntry("cloudevents.event_id", "trace-1").containsEntry("cloudevents.event_type", "test.hold")
                .containsEntry("cloudevents.event_subject", "LOT-1").doesNotContainKey("millwright.duplicate");
        assertThat(deliver.parentId()).isEqualTo(ingest.spanId());
        assertThat(deliver.spanId()).isEqualTo(spanId(sent));
        assertThat(deliver.attributes()).containsEntry("millwright.system", "erp").containsEntry("millwright.subscription", "erp-holds")
                .containsEntry("millwright.delivery.result", "delivered").containsEntry("millwright.delivery.attempt", "1")
                .containsEntry("millwright.response.status_code", "200");
        assertThat(deliver.error()).isFalse();
        assertThat(ingest.resource()).containsEntry("service.name", "hub-under-test").containsEntry("millwright.plant", "traced-plant");
        // The collector's token (a secret reference) went with the export.
        assertThat(collector.exportHeaders()).allSatisfy(h -> assertThat(h).containsEntry("x-collector-token", COLLECTOR_TOKEN));
    }

    @Test
    void aFailedAttemptIsAnErrorSpanWithTheReasonAndItsRetryAnotherSpanOfTheSameTrace() {
        erp.respond(x -> x.eventId().equals("trace-fail") && erp.failures().stream().noneMatch(f -> f.eventId().equals("trace-fail"))
                ? new TestTarget.Reply(503, "ERP busy", null) : TestTarget.Reply.ok());
        try {
            assertThat(client.postEvents(BATCH, HubClient.batch(List.of(event("trace-fail", "test.hold", "LOT-2", "{}")))).status())
                    .isEqualTo(202);
            await().atMost(Duration.ofSeconds(15)).until(() -> deliveryOf("trace-fail") != null);
        } finally {
            erp.respond(x -> TestTarget.Reply.ok());
        }
        String failedWith = erp.failures().stream().filter(f -> f.eventId().equals("trace-fail")).findFirst().orElseThrow().header("traceparent");
        String deliveredWith = deliveryOf("trace-fail").header("traceparent");
        String trace = traceId(deliveredWith);
        assertThat(traceId(failedWith)).isEqualTo(trace);
        assertThat(spanId(failedWith)).isNotEqualTo(spanId(deliveredWith)); // each attempt is its own span

        await().atMost(Duration.ofSeconds(15)).until(() -> collector.trace(trace).size() >= 3);
        List<TestCollector.Span> spans = collector.trace(trace);
        TestCollector.Span ingest = spans.stream().filter(s -> s.name().startsWith("ingest")).findFirst().orElseThrow();
        assertThat(ingest.parentId()).as("an event without trace context starts a trace").isEmpty();
        TestCollector.Span first = spans.stream().filter(s -> s.spanId().equals(spanId(failedWith))).findFirst().orElseThrow();
        TestCollector.Span second = spans.stream().filter(s -> s.spanId().equals(spanId(deliveredWith))).findFirst().orElseThrow();
        assertThat(first.parentId()).isEqualTo(ingest.spanId());
        assertThat(second.parentId()).isEqualTo(ingest.spanId());
        assertThat(first.error()).isTrue();
        assertThat(first.statusMessage()).contains("503").contains("ERP busy");
        assertThat(first.attributes()).containsEntry("millwright.delivery.result", "failed").containsEntry("millwright.delivery.attempt", "1")
                .containsEntry("millwright.response.status_code", "503");
        assertThat(second.error()).isFalse();
        assertThat(second.attributes()).containsEntry("millwright.delivery.result", "delivered").containsEntry("millwright.delivery.attempt", "2");
    }

    @Test
    void aRepeatedEventIsAnIngestSpanMarkedDuplicateAndDeliversNothingMore() {
        String upstream = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01";
        String body = HubClient.batch(List.of(event("trace-dup", "test.hold", "LOT-3", "{}")));
        for (int i = 0; i < 2; i++) {
            HubClient.Response r = client.postBytes("/api/v1/events", Map.of("Content-Type", BATCH, "traceparent", upstream),
                    body.getBytes(java.nio.charset.StandardCharsets.UTF_8));
            assertThat(r.status()).as(r.body()).isEqualTo(202);
        }
        await().atMost(Duration.ofSeconds(15)).until(() -> collector.trace(traceId(upstream)).stream()
                .filter(s -> s.name().startsWith("ingest")).count() == 2 && deliveryOf("trace-dup") != null);
        assertThat(collector.trace(traceId(upstream)).stream().filter(s -> s.name().startsWith("ingest")))
                .extracting(s -> s.attributes().get("millwright.duplicate"))
                .containsExactlyInAnyOrder(null, "true");
        await().atMost(Duration.ofSeconds(15)).until(() -> collector.trace(traceId(upstream)).stream().anyMatch(s -> s.name().startsWith("deliver")));
        assertThat(erp.received().stream().filter(x -> x.eventId().equals("trace-dup"))).hasSize(1);
        assertThat(client.get("/metrics").body()).contains("millwright_trace_spans_total{stage=\"exported\"}");
    }
}
