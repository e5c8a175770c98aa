package dev.millwright.support;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import io.opentelemetry.proto.common.v1.AnyValue;
import io.opentelemetry.proto.common.v1.KeyValue;
import io.opentelemetry.proto.trace.v1.ResourceSpans;
import io.opentelemetry.proto.trace.v1.ScopeSpans;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;

/** A real OTLP/HTTP (protobuf) trace receiver on 127.0.0.1: decodes every export and keeps its spans. */
public final class TestCollector implements AutoCloseable {
    /** One received span, ids in lower-case hex as in a traceparent; parent "" for a root span. */
    public record Span(String traceId, String spanId, String parentId, String name, String kind, Map<String, String> attributes,
                       boolean error, String statusMessage, Map<String, String> resource) {
    }

    private final HttpServer server;
    private final List<Span> spans = new CopyOnWriteArrayList<>();
    private final List<Map<String, String>> exportHeaders = new CopyOnWriteArrayList<>();

    public TestCollector() throws IOException {
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 64);
        server.setExecutor(Executors.newVirtualThreadPerTaskExecutor());
        server.createContext("/v1/traces", this::handle);
        server.start();
    }

    public String endpoint() {
        return "http://127.0.0.1:" + server.getAddress().getPort() + "/v1/traces";
    }

    private void handle(HttpExchange exchange) throws IOException {
        try (exchange) {
            Map<String, String> headers = new LinkedHashMap<>();
            exchange.getRequestHeaders().forEach((k, v) -> headers.put(k.toLowerCase(java.util.Locale.ROOT), v.getFirst()));
            exportHeaders.add(headers);
            ExportTraceServiceRequest request = ExportTraceServiceRequest.parseFrom(exchange.getRequestBody().readAllBytes());
            HexFormat hex = HexFormat.of();
            for (ResourceSpans rs : request.getResourceSpansList()) {
                Map<String, String> resource = attributes(rs.getResource().getAttributesList());
                for (ScopeSpans ss : rs.getScopeSpansList()) {
                    for (var s : ss.getSpansList()) {
                        spans.add(new Span(hex.formatHex(s.getTraceId().toByteArray()), hex.formatHex(s.getSpanId().toByteArray()),
                                hex.formatHex(s.getParentSpanId().toByteArray()), s.getName(), s.getKind().name(),
                                attributes(s.getAttributesList()), s.getStatus().getCodeValue() == 2, s.getStatus().getMessage(), resource));
                    }
                }
            }
            exchange.getResponseHeaders().add("Content-Type", "application/x-protobuf");
            exchange.sendResponseHeaders(200, -1);
        }
    }

    private static Map<String, String> attributes(List<KeyValue> list) {
        Map<String, String> out = new LinkedHashMap<>();
        for (KeyValue kv : list) out.put(kv.getKey(), text(kv.getValue()));
        return out;
    }

    private static String text(AnyValue v) {
        return switch (v.getValueCase()) {
            case STRING_VALUE -> v.getStringValue();
            case BOOL_VALUE -> String.valueOf(v.getBoolValue());
            case INT_VALUE -> String.valueOf(v.getIntValue());
            case DOUBLE_VALUE -> String.valueOf(v.getDoubleValue());
            default -> v.toString();
        };
    }

    public List<Span> spans() {
        return new ArrayList<>(spans);
    }

    public List<Span> trace(String traceId) {
        return spans.stream().filter(s -> s.traceId().equals(traceId)).toList();
    }

    /** The headers of every export request received. */
    public List<Map<String, String>> exportHeaders() {
        return new ArrayList<>(exportHeaders);
    }

    @Override
    public void close() {
        server.stop(0);
    }
}
