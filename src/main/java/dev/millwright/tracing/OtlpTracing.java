package dev.millwright.tracing;

import dev.millwright.config.HubSettings;
import dev.millwright.event.CloudEvent;
import dev.millwright.event.TraceParent;
import dev.millwright.metrics.HubMetrics;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanContext;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.api.trace.TraceFlags;
import io.opentelemetry.api.trace.TraceState;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.context.Context;
import io.opentelemetry.exporter.otlp.http.trace.OtlpHttpSpanExporter;
import io.opentelemetry.exporter.otlp.http.trace.OtlpHttpSpanExporterBuilder;
import io.opentelemetry.sdk.common.CompletableResultCode;
import io.opentelemetry.sdk.resources.Resource;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.opentelemetry.sdk.trace.export.BatchSpanProcessor;
import io.opentelemetry.sdk.trace.export.SpanExporter;
import io.opentelemetry.sdk.trace.samplers.Sampler;

import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

/** Spans recorded with the OpenTelemetry SDK and exported in batches over OTLP/HTTP; never in the way of intake or delivery. */
public final class OtlpTracing implements Tracing {
    private static final AttributeKey<String> EVENT_ID = AttributeKey.stringKey("cloudevents.event_id");
    private static final AttributeKey<String> EVENT_SOURCE = AttributeKey.stringKey("cloudevents.event_source");
    private static final AttributeKey<String> EVENT_TYPE = AttributeKey.stringKey("cloudevents.event_type");
    private static final AttributeKey<String> EVENT_SUBJECT = AttributeKey.stringKey("cloudevents.event_subject");
    private static final AttributeKey<Boolean> DUPLICATE = AttributeKey.booleanKey("millwright.duplicate");
    private static final AttributeKey<String> SYSTEM = AttributeKey.stringKey("millwright.system");
    private static final AttributeKey<String> OPERATION = AttributeKey.stringKey("millwright.operation");
    private static final AttributeKey<String> SUBSCRIPTION = AttributeKey.stringKey("millwright.subscription");
    private static final AttributeKey<Long> DELIVERY = AttributeKey.longKey("millwright.delivery.id");
    private static final AttributeKey<Long> ATTEMPT = AttributeKey.longKey("millwright.delivery.attempt");
    private static final AttributeKey<String> RESULT = AttributeKey.stringKey("millwright.delivery.result");
    private static final AttributeKey<Long> STATUS = AttributeKey.longKey("millwright.response.status_code");

    private final SdkTracerProvider provider;
    private final Tracer tracer;
    private final HubMetrics metrics;

    public OtlpTracing(HubSettings.Tracing settings, String plant, HubMetrics metrics) {
        HubSettings.Otlp otlp = settings.otlp();
        OtlpHttpSpanExporterBuilder exporter = OtlpHttpSpanExporter.builder()
                .setEndpoint(otlp.endpoint().toString())
                .setTimeout(otlp.timeout());
        otlp.headers().forEach((name, value) -> exporter.addHeader(name, value.value()));
        Resource resource = Resource.getDefault().merge(Resource.create(Attributes.of(
                AttributeKey.stringKey("service.name"), settings.serviceName(),
                AttributeKey.stringKey("millwright.plant"), plant)));
        this.provider = SdkTracerProvider.builder()
                .setResource(resource)
                .setSampler(Sampler.parentBased(Sampler.traceIdRatioBased(settings.sampleRatio())))
                .addSpanProcessor(BatchSpanProcessor.builder(new Counted(exporter.build(), metrics))
                        .setScheduleDelay(otlp.exportDelay())
                        .setMaxQueueSize(otlp.queueSize())
                        .setMaxExportBatchSize(Math.min(512, otlp.queueSize()))
                        .setExporterTimeout(otlp.timeout())
                        .build())
                .build();
        this.tracer = provider.get("dev.millwright");
        this.metrics = metrics;
    }

    @Override
    public Intake intake(List<CloudEvent> events, Instant received) {
        List<Span> spans = new ArrayList<>(events.size());
        List<String> traceparents = new ArrayList<>(events.size());
        for (CloudEvent e : events) {
            var builder = tracer.spanBuilder("ingest " + e.type())
                    .setSpanKind(SpanKind.CONSUMER)
                    .setParent(parent(TraceParent.valid(e.attribute("traceparent"))))
                    .setStartTimestamp(received)
                    .setAttribute(EVENT_ID, e.id())
                    .setAttribute(EVENT_SOURCE, e.source())
                    .setAttribute(EVENT_TYPE, e.type());
            if (e.subject() != null) builder.setAttribute(EVENT_SUBJECT, e.subject());
            Span span = builder.startSpan();
            spans.add(span);
            traceparents.add(traceparent(span.getSpanContext()));
        }
        return new Intake() {
            @Override
            public List<String> traceparents() {
                return traceparents;
            }

            @Override
            public void end(Predicate<CloudEvent> stored) {
                int recorded = 0;
                for (int i = 0; i < spans.size(); i++) {
                    Span span = spans.get(i);
                    if (!stored.test(events.get(i))) span.setAttribute(DUPLICATE, true);
                    if (span.isRecording()) recorded++;
                    span.end();
                }
                metrics.spans("recorded", recorded);
            }

            @Override
            public void failed(String reason) {
                int recorded = 0;
                for (Span span : spans) {
                    if (span.isRecording()) recorded++;
                    span.setStatus(StatusCode.ERROR, "not stored: " + reason).end();
                }
                metrics.spans("recorded", recorded);
            }
        };
    }

    @Override
    public Attempt attempt(Delivery d) {
        var builder = tracer.spanBuilder("deliver " + d.system() + (d.operation() == null ? "" : " " + d.operation()))
                .setSpanKind(SpanKind.PRODUCER)
                .setParent(parent(d.traceparent()))
                .setAttribute(SYSTEM, d.system())
                .setAttribute(DELIVERY, d.id())
                .setAttribute(ATTEMPT, (long) d.attempt());
        if (d.operation() != null) builder.setAttribute(OPERATION, d.operation());
        if (d.subscription() != null) builder.setAttribute(SUBSCRIPTION, d.subscription());
        Span span = builder.startSpan();
        String traceparent = traceparent(span.getSpanContext());
        return new Attempt() {
            @Override
            public String traceparent() {
                return traceparent;
            }

            @Override
            public void end(String result, Integer status, String error) {
                span.setAttribute(RESULT, result);
                if (status != null) span.setAttribute(STATUS, status.longValue());
                if (!"delivered".equals(result)) span.setStatus(StatusCode.ERROR, error == null ? result : error);
                if (span.isRecording()) metrics.spans("recorded", 1);
                span.end();
            }
        };
    }

    /** A remote parent from a stored or received traceparent; the root context (a new trace) when there is none. */
    private static Context parent(String traceparent) {
        if (traceparent == null) return Context.root();
        SpanContext remote = SpanContext.createFromRemoteParent(traceparent.substring(3, 35), traceparent.substring(36, 52),
                TraceFlags.fromHex(traceparent, 53), TraceState.getDefault());
        return Context.root().with(Span.wrap(remote));
    }

    private static String traceparent(SpanContext c) {
        return "00-" + c.getTraceId() + "-" + c.getSpanId() + "-" + c.getTraceFlags().asHex();
    }

    /** Flushes what is queued (bounded by the export timeout) and stops exporting. */
    @Override
    public void close() {
        provider.shutdown().join(15, TimeUnit.SECONDS);
    }

    /** Counts spans by how their export went, so a collector that refuses or is away shows in /metrics (recorded − exported − failed = queued or dropped). */
    private record Counted(SpanExporter exporter, HubMetrics metrics) implements SpanExporter {
        @Override
        public CompletableResultCode export(Collection<SpanData> spans) {
            int n = spans.size();
            CompletableResultCode result = exporter.export(spans);
            result.whenComplete(() -> metrics.spans(result.isSuccess() ? "exported" : "failed", n));
            return result;
        }

        @Override
        public CompletableResultCode flush() {
            return exporter.flush();
        }

        @Override
        public CompletableResultCode shutdown() {
            return exporter.shutdown();
        }
    }
}
