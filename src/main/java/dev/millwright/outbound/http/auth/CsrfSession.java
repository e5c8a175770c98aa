package dev.millwright.outbound.http.auth;

import java.util.List;
import java.util.Map;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The CSRF handshake SAP Gateway (and others) want before a write: a GET with {@code x-csrf-token: Fetch} returns a
 * token and session cookies, which every POST/PUT/PATCH/DELETE then carries. One token is fetched by one caller while
 * the others wait, reused, and fetched again once when the system refuses it (403 with {@code x-csrf-token: Required}).
 */
public final class CsrfSession {
    /** The answer to a token fetch: status, the token header's value, and the cookies set. */
    public record Fetched(int status, String token, List<String> setCookies) {
    }

    /** Makes the fetch call with the given headers (the system's credentials and the fetch header). */
    @FunctionalInterface
    public interface Fetch {
        Fetched get(Map<String, String> headers) throws InterruptedException;
    }

    private record Token(String value, String cookies) {
    }

    private final String header;
    private final String describeFetch;
    private final Fetch fetch;
    private final ReentrantLock lock = new ReentrantLock();
    private volatile Token token;

    /** @param describeFetch where the token comes from, for errors (e.g. "GET /sap/opu/odata/sap/API_MATERIAL_DOCUMENT_SRV/") */
    public CsrfSession(String header, String describeFetch, Fetch fetch) {
        this.header = header;
        this.describeFetch = describeFetch;
        this.fetch = fetch;
    }

    /** Adds the token and its cookies to a write's headers (which already carry the credentials), fetching them first when needed. */
    public void apply(Map<String, String> headers) throws InterruptedException {
        Token t = token;
        if (t == null) {
            lock.lock();
            try {
                t = token;
                if (t == null) token = t = fetch(headers);
            } finally {
                lock.unlock();
            }
        }
        headers.put(header, t.value());
        if (!t.cookies().isEmpty()) headers.merge("Cookie", t.cookies(), (a, b) -> a + "; " + b);
    }

    private Token fetch(Map<String, String> credentials) throws InterruptedException {
        Map<String, String> headers = new java.util.LinkedHashMap<>();
        credentials.forEach((k, v) -> {
            if (!k.equalsIgnoreCase("Idempotency-Key") && !k.equalsIgnoreCase("traceparent")) headers.put(k, v);
        });
        headers.put(header, "Fetch");
        headers.put("Accept", "application/json");
        Fetched f = fetch.get(headers);
        if (f.status() < 200 || f.status() >= 300 || f.token() == null || f.token().isBlank() || f.token().equalsIgnoreCase("Required")) {
            throw new AuthFailure("CSRF token fetch (" + describeFetch + ") answered HTTP " + f.status()
                    + (f.token() == null ? " without an " + header + " header" : ""));
        }
        StringBuilder cookies = new StringBuilder();
        for (String set : f.setCookies()) {
            String pair = set.split(";", 2)[0].trim(); // name=value; attributes are the client's business
            if (pair.isEmpty()) continue;
            if (!cookies.isEmpty()) cookies.append("; ");
            cookies.append(pair);
        }
        return new Token(f.token(), cookies.toString());
    }

    /** Whether the system refused the token (SAP: 403 with x-csrf-token: Required); the token is then dropped. */
    public boolean refused(int status, String tokenHeader, String body) {
        boolean refused = status == 403 && ("required".equalsIgnoreCase(tokenHeader)
                || (body != null && body.contains("CSRF token validation failed")));
        if (refused) token = null;
        return refused;
    }
}
