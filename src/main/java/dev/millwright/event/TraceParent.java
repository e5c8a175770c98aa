package dev.millwright.event;

import java.util.regex.Pattern;

/** W3C trace context's traceparent: version-traceid-parentid-flags, lower-case hex. */
public final class TraceParent {
    private static final Pattern FORMAT = Pattern.compile("[0-9a-f]{2}-[0-9a-f]{32}-[0-9a-f]{16}-[0-9a-f]{2}");
    private static final String ZERO_TRACE = "0".repeat(32);
    private static final String ZERO_PARENT = "0".repeat(16);

    private TraceParent() {
    }

    /**
     * The value when it is a traceparent that may be passed on, else null: the W3C rules say an invalid one is
     * ignored (a trace starts afresh), not refused, so a bad value never costs an event.
     */
    public static String valid(String value) {
        if (value == null) return null;
        String v = value.trim();
        if (!FORMAT.matcher(v).matches() || v.startsWith("ff")) return null;
        String trace = v.substring(3, 35), parent = v.substring(36, 52);
        return trace.equals(ZERO_TRACE) || parent.equals(ZERO_PARENT) ? null : v;
    }
}
