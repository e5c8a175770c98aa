package dev.millwright.outbound.http;

import org.eclipse.jetty.client.ContentResponse;
import org.eclipse.jetty.client.HttpClient;
import org.eclipse.jetty.client.StringRequestContent;
import org.eclipse.jetty.http.HttpField;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.util.thread.QueuedThreadPool;

import java.io.EOFException;
import java.net.ConnectException;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.nio.channels.ClosedChannelException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * The HTTP client under one system's outbound connector: keep-alive connections, no redirects followed.
 * Jetty's client, not the JDK's: against the same sink on the same machine it made 16,800 requests/s where
 * the JDK client made 6,500 (64 concurrent callers; docs/benchmarks.md), and the JDK client's selector
 * registration was a fifth of the hub's CPU samples under load.
 */
final class HttpWire implements AutoCloseable {
    /** One request as it goes on the wire. */
    record Request(String method, URI url, Map<String, String> headers, String contentType, String body, Duration timeout) {
        Request withTimeout(Duration t) {
            return new Request(method, url, headers, contentType, body, t);
        }
    }

    /** What the system answered; other headers are read only when asked for. */
    record Answer(int status, String body, String retryAfter, org.eclipse.jetty.http.HttpFields fields) {
        String header(String name) {
            return fields == null ? null : fields.get(name);
        }

        List<String> headers(String name) {
            return fields == null ? List.of() : fields.getValuesList(name);
        }
    }

    /** No answer: refused, timed out, broken off. The message says which, for the delivery's last error. */
    static final class NoAnswer extends Exception {
        NoAnswer(String message) {
            super(message, null, false, false);
        }
    }

    private final HttpClient client;
    private final String authority;

    HttpWire(String system, URI baseUrl, Duration connectTimeout, int maxConnections, dev.millwright.config.Tls tls) {
        QueuedThreadPool threads = new QueuedThreadPool(Math.max(8, Math.min(64, maxConnections)), 2);
        threads.setName("http-" + system);
        threads.setDaemon(true);
        client = tls == null ? new HttpClient() : new HttpClient(new org.eclipse.jetty.client.transport.HttpClientTransportOverHTTP(connector(tls)));
        client.setExecutor(threads);
        client.setConnectTimeout(connectTimeout.toMillis());
        client.setFollowRedirects(false);
        client.setMaxConnectionsPerDestination(maxConnections);
        client.setUserAgentField(new HttpField(HttpHeader.USER_AGENT, "millwright"));
        // Deliveries are independent requests: no cookie one answer sets may ride along on the next (and matching
        // every request against a cookie store showed in profiles).
        client.setHttpCookieStore(new org.eclipse.jetty.http.HttpCookieStore.Empty());
        authority = baseUrl.getAuthority();
        try {
            client.start();
        } catch (Exception e) {
            throw new IllegalStateException("cannot start the HTTP client for " + system + ": " + e.getMessage(), e);
        }
        // A 401 goes back to the connector as it came (it renews its own credentials); Jetty's challenge and
        // redirect handlers (added by start) would turn a 401 without WWW-Authenticate into an error.
        client.getProtocolHandlers().clear();
    }

    /** A connector with the system's trust store and client certificate; host name verification stays on. */
    private static org.eclipse.jetty.io.ClientConnector connector(dev.millwright.config.Tls tls) {
        var ssl = new org.eclipse.jetty.util.ssl.SslContextFactory.Client();
        ssl.setEndpointIdentificationAlgorithm("HTTPS");
        if (tls.trustStore() != null) {
            ssl.setTrustStorePath(tls.trustStore().toString());
            ssl.setTrustStoreType(tls.type());
            if (tls.trustStorePassword() != null) ssl.setTrustStorePassword(tls.trustStorePassword().value());
        }
        if (tls.keyStore() != null) {
            ssl.setKeyStorePath(tls.keyStore().toString());
            ssl.setKeyStoreType(tls.type());
            if (tls.keyStorePassword() != null) ssl.setKeyStorePassword(tls.keyStorePassword().value());
        }
        var connector = new org.eclipse.jetty.io.ClientConnector();
        connector.setSslContextFactory(ssl);
        return connector;
    }

    Answer send(Request r) throws InterruptedException, NoAnswer {
        try {
            return attempt(r);
        } catch (ExecutionException e) {
            Throwable cause = cause(e);
            // A kept-alive connection the system closed meanwhile fails before any answer: once more on a new
            // connection (the Idempotency-Key makes a resend safe), which also tells "refused" from "closed".
            if (!(cause instanceof EOFException || cause instanceof ClosedChannelException)) throw noAnswer(cause, r);
            try {
                return attempt(r);
            } catch (ExecutionException again) {
                throw noAnswer(cause(again), r);
            }
        }
    }

    private Answer attempt(Request r) throws InterruptedException, ExecutionException, NoAnswer {
        var request = client.newRequest(r.url()).method(r.method()).timeout(r.timeout().toMillis(), TimeUnit.MILLISECONDS)
                .headers(h -> r.headers().forEach(h::put));
        if (r.body() != null) request.body(new StringRequestContent(r.contentType(), r.body(), StandardCharsets.UTF_8));
        try {
            ContentResponse response = request.send();
            return new Answer(response.getStatus(), response.getContentAsString(), response.getHeaders().get(HttpHeader.RETRY_AFTER),
                    response.getHeaders());
        } catch (TimeoutException e) {
            throw new NoAnswer("no answer within " + r.timeout().toMillis() + " ms");
        }
    }

    private static Throwable cause(ExecutionException e) {
        return e.getCause() == null ? e : e.getCause();
    }

    private NoAnswer noAnswer(Throwable cause, Request r) {
        if (cause instanceof ConnectException) return new NoAnswer("connection refused by " + authority);
        if (cause instanceof SocketTimeoutException || (cause.getMessage() != null && cause.getMessage().contains("Connect Timeout"))) {
            return new NoAnswer("connect timeout after " + client.getConnectTimeout() + " ms");
        }
        if (cause instanceof TimeoutException) return new NoAnswer("no answer within " + r.timeout().toMillis() + " ms");
        if (cause instanceof EOFException || cause instanceof ClosedChannelException) {
            return new NoAnswer("the connection was closed by " + authority + " before an answer");
        }
        // Jetty's messages can carry a dump of the connection: keep the first line, briefly.
        String message = cause.getMessage() == null ? "" : cause.getMessage().lines().findFirst().orElse("");
        if (message.length() > 200) message = message.substring(0, 200) + "…";
        return new NoAnswer("I/O error: " + cause.getClass().getSimpleName() + (message.isEmpty() ? "" : ": " + message));
    }

    @Override
    public void close() {
        try {
            client.stop();
        } catch (Exception ignored) {
            // Stopping: connections are closed either way.
        }
    }
}
