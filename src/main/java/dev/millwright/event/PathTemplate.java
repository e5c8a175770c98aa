package dev.millwright.event;

import com.fasterxml.jackson.databind.JsonNode;

import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A path or header value with placeholders filled from the event: {@code {subject}} (any CloudEvents attribute) or
 * {@code {data.lot.id}} (a path into the data; for a flow's call, the data the step computed). In a path each value
 * is percent-encoded whole, so a value can never add a path segment or break an OData key such as
 * {@code A_MaterialDocumentHeader(MaterialDocument='{data.document}')}.
 */
public final class PathTemplate {
    /** What a placeholder may name: an attribute, or a dotted path below it. */
    public static final Pattern PLACEHOLDER = Pattern.compile("\\{([A-Za-z_][A-Za-z0-9_]*(?:\\.[A-Za-z0-9_-]+)*)}");

    private final String text;
    private final List<String> literals = new ArrayList<>();
    private final List<String[]> paths = new ArrayList<>();

    private PathTemplate(String text) {
        this.text = text;
        Matcher m = PLACEHOLDER.matcher(text);
        int at = 0;
        while (m.find()) {
            literals.add(text.substring(at, m.start()));
            paths.add(m.group(1).split("\\."));
            at = m.end();
        }
        literals.add(text.substring(at));
    }

    /** Anything in braces, closed or not. */
    private static final Pattern BRACES = Pattern.compile("\\{[^}]*}?");

    /**
     * Reports each {...} in a path or header template that is not a placeholder a delivery can fill.
     * @param only the one placeholder allowed (a GET operation's {key}), or null for any attribute or data path
     */
    public static void problems(String template, String only, java.util.function.Consumer<String> problem) {
        Matcher m = BRACES.matcher(template);
        while (m.find()) {
            String placeholder = m.group();
            if (only != null && !placeholder.equals(only)) {
                problem.accept("'" + placeholder + "': a GET operation's path is filled only with the key $fetch passes, " + only);
            } else if (only == null && !PLACEHOLDER.matcher(placeholder).matches()) {
                problem.accept("'" + placeholder + "' is not a placeholder: write {subject} (a CloudEvents attribute) or {data.some.field}");
            }
        }
    }

    public static PathTemplate of(String text) {
        return new PathTemplate(text);
    }

    public boolean hasPlaceholders() {
        return !paths.isEmpty();
    }

    /** Thrown when the event lacks a value a placeholder names. */
    public static final class Missing extends RuntimeException {
        public Missing(String message) {
            super(message, null, false, false);
        }
    }

    /** The path with each placeholder's value percent-encoded. */
    public String path(JsonNode event) {
        return fill(event, true);
    }

    /** A header value with each placeholder's value as it is. */
    public String header(JsonNode event) {
        return fill(event, false);
    }

    private String fill(JsonNode event, boolean encode) {
        if (paths.isEmpty()) return text;
        StringBuilder out = new StringBuilder(literals.getFirst());
        for (int i = 0; i < paths.size(); i++) {
            JsonNode v = event;
            for (String p : paths.get(i)) v = v == null ? null : v.get(p);
            if (v == null || v.isNull() || v.isContainerNode() || v.asText().isEmpty()) {
                throw new Missing("'" + text + "' needs " + String.join(".", paths.get(i)) + ", which the event "
                        + (v != null && v.isContainerNode() ? "has as an object or array, not a value" : "does not have"));
            }
            String value = v.asText();
            out.append(encode ? URLEncoder.encode(value, StandardCharsets.UTF_8).replace("+", "%20") : value).append(literals.get(i + 1));
        }
        return out.toString();
    }

    @Override
    public String toString() {
        return text;
    }
}
