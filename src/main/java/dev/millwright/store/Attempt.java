package dev.millwright.store;

import java.time.Instant;

/** One recorded delivery attempt. */
public record Attempt(int attempt, Instant startedAt, int durationMs, String node, Integer status, String outcome,
                      String error) {
}
