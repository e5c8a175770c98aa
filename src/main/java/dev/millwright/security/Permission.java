package dev.millwright.security;

/** What a route asks of its caller. */
public enum Permission {
    /** Send events (POST /api/v1/events). */
    INGEST,
    /** Read events, deliveries, flows, transactions, cross-references. */
    READ,
    /** Retry, replay, signal, cancel, start flows, retry inbound failures. */
    OPERATE,
    /** Change the cross-reference, value maps and configuration. */
    INTEGRATE,
    /** Manage identities. */
    ADMIN
}
