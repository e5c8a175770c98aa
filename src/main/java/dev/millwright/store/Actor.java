package dev.millwright.store;

/** Who did something, for the audit trail: a principal's name and the address the request came from (null: none). */
public record Actor(String name, String client) {
    /** The hub itself or a tool acting without a request (a configuration load, a test harness). */
    public static Actor of(String name) {
        return new Actor(name, null);
    }
}
