package dev.millwright.bench;

import com.sun.net.httpserver.HttpServer;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicLong;

/** A local target that answers 200 and, for latency runs, notes when each event arrived. */
final class BenchTarget implements AutoCloseable {
    private static final String SENT_MARK = "\"defectCode\":\"S";

    static {
        // Without TCP_NODELAY the JDK server's small answers wait on delayed ACKs (~40 ms each).
        System.setProperty("sun.net.httpserver.nodelay", "true");
    }

    private final HttpServer server;
    private final AtomicLong received = new AtomicLong();
    private final ConcurrentLinkedQueue<Long> latenciesNanos = new ConcurrentLinkedQueue<>();

    BenchTarget() throws IOException {
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 1024);
        server.setExecutor(Executors.newVirtualThreadPerTaskExecutor());
        server.createContext("/", exchange -> {
            byte[] body = exchange.getRequestBody().readAllBytes();
            long now = System.nanoTime();
            received.incrementAndGet();
            String text = new String(body, StandardCharsets.UTF_8);
            int at = text.indexOf(SENT_MARK);
            if (at >= 0) {
                int start = at + SENT_MARK.length();
                int end = start;
                while (end < text.length() && Character.isDigit(text.charAt(end))) end++;
                latenciesNanos.add(now - Long.parseLong(text.substring(start, end)));
            }
            if (exchange.getRequestURI().getPath().endsWith("/bulk")) {
                // One result per item: the bulk body is a JSON array of CloudEvents.
                int items = dev.millwright.event.Json.MAPPER.readTree(body).size();
                byte[] results = ("[" + String.join(",", java.util.Collections.nCopies(items, "200")) + "]").getBytes(StandardCharsets.UTF_8);
                exchange.sendResponseHeaders(200, results.length);
                exchange.getResponseBody().write(results);
            } else {
                exchange.sendResponseHeaders(200, -1);
            }
            exchange.close();
        });
        server.start();
    }

    String baseUrl() {
        return "http://127.0.0.1:" + server.getAddress().getPort();
    }

    long received() {
        return received.get();
    }

    long[] latencies() {
        return latenciesNanos.stream().mapToLong(Long::longValue).sorted().toArray();
    }

    void resetLatencies() {
        latenciesNanos.clear();
    }

    @Override
    public void close() {
        server.stop(0);
    }
}
