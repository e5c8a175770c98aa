package dev.millwright.delivery;

import com.fasterxml.jackson.databind.JsonNode;

import java.util.function.UnaryOperator;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A topic or key template such as {@code millwright/{plant}/{type}/{subject}}: each {attribute} is filled
 * from the CloudEvent (type, subject, source, id, or an extension such as plant); a missing one is "_".
 */
public final class TopicTemplate {
    private static final Pattern PLACEHOLDER = Pattern.compile("\\{([a-z0-9]+)}");

    private final String template;
    /** Makes a value safe where it goes (no MQTT wildcards in a topic level, only legal Kafka topic characters). */
    private final UnaryOperator<String> clean;

    public TopicTemplate(String template, UnaryOperator<String> clean) {
        this.template = template;
        this.clean = clean;
    }

    public String fill(JsonNode event) {
        Matcher m = PLACEHOLDER.matcher(template);
        StringBuilder out = new StringBuilder();
        while (m.find()) {
            String value = event.path(m.group(1)).asText("");
            m.appendReplacement(out, Matcher.quoteReplacement(value.isEmpty() ? "_" : clean.apply(value)));
        }
        m.appendTail(out);
        return out.toString();
    }
}
