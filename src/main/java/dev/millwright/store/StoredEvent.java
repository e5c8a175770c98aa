package dev.millwright.store;

import java.time.Instant;

/** An event as the log holds it: its global sequence, when it was accepted, its CloudEvent JSON, its plant. */
public record StoredEvent(long seq, Instant receivedAt, String body, String plant) {
}
