package dev.millwright.security;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.LongSupplier;

/** Token buckets per client: {@code rate} requests per second on average, {@code burst} at once. */
public final class RateLimiter {
    private static final int MAX_CLIENTS = 100_000;

    private final double perNano;
    private final double burst;
    private final LongSupplier nanos;
    private final Map<String, Bucket> buckets = new ConcurrentHashMap<>();

    private static final class Bucket {
        double tokens;
        long at;

        Bucket(double tokens, long at) {
            this.tokens = tokens;
            this.at = at;
        }
    }

    /** @param rate 0: no limit */
    public RateLimiter(int rate, int burst, LongSupplier nanos) {
        this.perNano = rate / 1e9;
        this.burst = burst;
        this.nanos = nanos;
    }

    /** Like {@link #acquire} without taking a token: 0 while the client has one left. */
    public long peek(String client) {
        if (perNano == 0) return 0;
        Bucket b = buckets.get(client);
        if (b == null) return 0;
        synchronized (b) {
            double tokens = Math.min(burst, b.tokens + (nanos.getAsLong() - b.at) * perNano);
            return tokens >= 1 ? 0 : Math.max(1, (long) Math.ceil((1 - tokens) / perNano / 1e9));
        }
    }

    /** @return 0 when the request may go on, else the whole seconds until it could (for Retry-After) */
    public long acquire(String client) {
        if (perNano == 0) return 0;
        long now = nanos.getAsLong();
        if (buckets.size() >= MAX_CLIENTS) buckets.clear();
        Bucket b = buckets.computeIfAbsent(client, k -> new Bucket(burst, now));
        synchronized (b) {
            b.tokens = Math.min(burst, b.tokens + (now - b.at) * perNano);
            b.at = now;
            if (b.tokens >= 1) {
                b.tokens -= 1;
                return 0;
            }
            return Math.max(1, (long) Math.ceil((1 - b.tokens) / perNano / 1e9));
        }
    }
}
