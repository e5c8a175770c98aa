package dev.millwright.config.spec;

import org.yaml.snakeyaml.nodes.MappingNode;
import org.yaml.snakeyaml.nodes.Node;
import org.yaml.snakeyaml.nodes.NodeTuple;
import org.yaml.snakeyaml.nodes.ScalarNode;
import org.yaml.snakeyaml.nodes.SequenceNode;
import org.yaml.snakeyaml.nodes.Tag;

import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Checks a YAML node tree against a {@link Spec}, reporting every problem with file, line and key,
 * and builds the typed value tree: maps of String to Integer, Double, Boolean, String, Duration,
 * URI or {@link Secret}, with defaults filled in.
 */
public final class SpecValidator {
    private static final Pattern REFERENCE = Pattern.compile("\\$\\{(env|file):([^}]+)}");
    private static final Pattern SECRET_LIKE_KEY = Pattern.compile("(?i).*(authorization|token|secret|password|api[-_]?key).*");

    private final Function<Node, String> fileOf;
    private final List<ConfigError> errors;
    private final Function<String, String> env;

    public SpecValidator(String file, List<ConfigError> errors, Function<String, String> env) {
        this(node -> file, errors, env);
    }

    /** @param fileOf the file a node came from (an environment's overlay may have put it there) */
    public SpecValidator(Function<Node, String> fileOf, List<ConfigError> errors, Function<String, String> env) {
        this.fileOf = fileOf;
        this.errors = errors;
        this.env = env;
    }

    /** @return the typed value, or null where the node is unusable (an error was added) */
    public Object validate(Node node, Spec spec, String key) {
        return switch (spec) {
            case Spec.Obj obj -> object(node, obj, key);
            case Spec.MapOf map -> mapOf(node, map, key);
            case Spec.ListOf list -> listOf(node, list, key);
            case Spec.Any any -> plain(node);
            case Spec.Scalar scalar -> scalar(node, scalar, key);
        };
    }

    private Map<String, Object> object(Node node, Spec.Obj spec, String key) {
        Map<String, Object> out = new LinkedHashMap<>();
        Set<String> seen = new HashSet<>();
        if (node != null) {
            if (!(node instanceof MappingNode mapping)) {
                error(node, key, "must be a mapping of keys to values");
                return null;
            }
            for (NodeTuple tuple : mapping.getValue()) {
                String name = keyName(tuple.getKeyNode());
                String path = join(key, name);
                if (!seen.add(name)) {
                    error(tuple.getKeyNode(), path, "is given twice");
                    continue;
                }
                Spec.Field field = spec.field(name);
                if (field == null) {
                    error(tuple.getKeyNode(), path, "unknown key; known keys: "
                            + String.join(", ", spec.fields().stream().map(Spec.Field::name).toList()));
                    continue;
                }
                Object value = validate(tuple.getValueNode(), field.spec(), path);
                if (value != null) out.put(name, value);
            }
        }
        for (Spec.Field field : spec.fields()) {
            if (seen.contains(field.name())) continue;
            if (field.required()) {
                error(node, join(key, field.name()), "is required (" + describe(field.spec()) + ")");
            } else if (field.defaultValue() != null) {
                out.put(field.name(), convertDefault(field));
            } else if (field.spec() instanceof Spec.Obj inner && inner.fields().stream().noneMatch(Spec.Field::required)) {
                // an absent section of defaults-only keys still gets its defaults; one with required keys stays absent
                out.put(field.name(), object(null, inner, join(key, field.name())));
            }
        }
        return out;
    }

    private Map<String, Object> mapOf(Node node, Spec.MapOf spec, String key) {
        if (!(node instanceof MappingNode mapping)) {
            error(node, key, "must be a mapping of keys to values");
            return null;
        }
        Map<String, Object> out = new LinkedHashMap<>();
        for (NodeTuple tuple : mapping.getValue()) {
            String name = keyName(tuple.getKeyNode());
            String path = join(key, name);
            if (out.containsKey(name)) {
                error(tuple.getKeyNode(), path, "is given twice");
                continue;
            }
            if (spec.values() instanceof Spec.Scalar s && s.type() == Spec.Type.TEXT_OR_SECRET
                    && SECRET_LIKE_KEY.matcher(name).matches() && tuple.getValueNode() instanceof ScalarNode v
                    && !REFERENCE.matcher(v.getValue()).find()) {
                error(tuple.getValueNode(), path, "looks like a secret: write a reference (${env:NAME} or ${file:/path}), never the value");
                continue;
            }
            Object value = validate(tuple.getValueNode(), spec.values(), path);
            if (value != null) out.put(name, value);
        }
        return out;
    }

    private List<Object> listOf(Node node, Spec.ListOf spec, String key) {
        if (!(node instanceof SequenceNode sequence) || sequence.getValue().isEmpty()) {
            error(node, key, "must be a non-empty list of " + describe(spec.items()));
            return null;
        }
        List<Object> out = new ArrayList<>();
        for (int i = 0; i < sequence.getValue().size(); i++) {
            Object value = validate(sequence.getValue().get(i), spec.items(), key + "[" + i + "]");
            if (value != null) out.add(value);
        }
        return out.size() == sequence.getValue().size() ? List.copyOf(out) : null;
    }

    /** A YAML node as plain Java values (maps, lists, strings, numbers, booleans, null), as YAML's core schema reads them. */
    private static Object plain(Node node) {
        return switch (node) {
            case MappingNode m -> {
                Map<String, Object> out = new LinkedHashMap<>();
                for (NodeTuple t : m.getValue()) out.put(keyName(t.getKeyNode()), plain(t.getValueNode()));
                yield out;
            }
            case SequenceNode s -> s.getValue().stream().map(SpecValidator::plain).toList();
            case ScalarNode s -> {
                Tag tag = s.getTag();
                String v = s.getValue();
                if (tag.equals(Tag.NULL)) yield null;
                if (tag.equals(Tag.BOOL)) yield Boolean.parseBoolean(v);
                try {
                    if (tag.equals(Tag.INT)) yield new java.math.BigInteger(v.replace("_", ""));
                    if (tag.equals(Tag.FLOAT)) yield new java.math.BigDecimal(v.replace("_", ""));
                } catch (NumberFormatException e) {
                    yield v; // .inf, 0x1F and the like stay text
                }
                yield v;
            }
            default -> null;
        };
    }

    private Object scalar(Node node, Spec.Scalar spec, String key) {
        if (!(node instanceof ScalarNode scalar) || node.getTag().equals(Tag.NULL)) {
            error(node, key, "must be a " + describe(spec));
            return null;
        }
        String text = scalar.getValue();
        if (spec.type() != Spec.Type.SECRET && spec.type() != Spec.Type.TEXT_OR_SECRET) {
            Object substituted = environment(text);
            if (substituted instanceof Problem p) {
                error(node, key, p.message);
                return null;
            }
            text = (String) substituted;
        }
        Object value = convert(text, spec);
        if (value instanceof Problem p) {
            error(node, key, p.message);
            return null;
        }
        return value;
    }

    private record Problem(String message) {
    }

    private Object convert(String text, Spec.Scalar spec) {
        switch (spec.type()) {
            case STRING, EXPRESSION -> {
                if (text.isBlank()) return new Problem("must not be empty");
                if (!spec.allowed().isEmpty() && !spec.allowed().contains(text)) {
                    return new Problem("'" + text + "' is not one of " + String.join(", ", spec.allowed()));
                }
                return text;
            }
            case INTEGER -> {
                long n;
                try {
                    n = Long.parseLong(text.trim());
                } catch (NumberFormatException e) {
                    return new Problem("'" + text + "' is not a whole number");
                }
                if (spec.min() != null && n < spec.min()) return new Problem(n + " is below the minimum " + spec.min().longValue());
                if (spec.max() != null && n > spec.max()) return new Problem(n + " is above the maximum " + spec.max().longValue());
                return (int) n;
            }
            case NUMBER -> {
                double d;
                try {
                    d = Double.parseDouble(text.trim());
                } catch (NumberFormatException e) {
                    return new Problem("'" + text + "' is not a number");
                }
                if (spec.min() != null && d < spec.min()) return new Problem(d + " is below the minimum " + spec.min());
                if (spec.max() != null && d > spec.max()) return new Problem(d + " is above the maximum " + spec.max());
                return d;
            }
            case BOOLEAN -> {
                String t = text.trim().toLowerCase(Locale.ROOT);
                if (t.equals("true")) return true;
                if (t.equals("false")) return false;
                return new Problem("'" + text + "' is not true or false");
            }
            case DURATION -> {
                Duration d = Durations.parse(text);
                return d == null ? new Problem("'" + text + "' is not a duration (write 500ms, 10s, 5m, 1h or 7d)") : d;
            }
            case URL -> {
                try {
                    URI uri = new URI(text.trim());
                    if (!("http".equals(uri.getScheme()) || "https".equals(uri.getScheme())) || uri.getHost() == null) {
                        return new Problem("'" + text + "' is not an http(s) URL with a host");
                    }
                    return uri;
                } catch (java.net.URISyntaxException e) {
                    return new Problem("'" + text + "' is not a URL: " + e.getReason());
                }
            }
            case SECRET -> {
                // The secret itself never stands in a file; text around references is allowed (token ${env:KEY}:${env:SECRET}).
                if (!REFERENCE.matcher(text).find()) {
                    return new Problem("must be a secret reference (${env:NAME} or ${file:/path}), never the secret itself");
                }
                return resolve(text);
            }
            case TEXT_OR_SECRET -> {
                return resolve(text);
            }
        }
        throw new IllegalStateException("unhandled type " + spec.type());
    }

    private static final Pattern ENV_VALUE = Pattern.compile("\\$\\{env:([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?}");

    /**
     * Any value may come from the environment, so one plant folder runs against simulators and, promoted, against the
     * real systems: ${env:NAME}, or ${env:NAME:-default} when the variable may be unset. Checked as the value it becomes.
     */
    private Object environment(String text) {
        if (!text.contains("${env:")) return text;
        Matcher m = ENV_VALUE.matcher(text);
        StringBuilder out = new StringBuilder();
        while (m.find()) {
            String value = env.apply(m.group(1));
            if (value == null) value = m.group(2);
            if (value == null) return new Problem("environment variable " + m.group(1) + " is not set (write ${env:" + m.group(1)
                    + ":-DEFAULT} for a value to use when it is not)");
            m.appendReplacement(out, Matcher.quoteReplacement(value));
        }
        m.appendTail(out);
        return out.toString();
    }

    /** Replaces each ${env:X} / ${file:/p} in the text; an unresolvable reference is a problem. */
    private Object resolve(String text) {
        Matcher m = REFERENCE.matcher(text);
        StringBuilder out = new StringBuilder();
        while (m.find()) {
            String value;
            if (m.group(1).equals("env")) {
                value = env.apply(m.group(2));
                if (value == null) return new Problem("environment variable " + m.group(2) + " is not set");
            } else {
                if (!Files.isReadable(Path.of(m.group(2)))) return new Problem("cannot read secret file " + m.group(2));
                value = m.group(0); // read by the secret itself, and again when the file changes
            }
            m.appendReplacement(out, Matcher.quoteReplacement(value));
        }
        m.appendTail(out);
        try {
            return Secret.reading(out.toString());
        } catch (IOException e) {
            return new Problem("cannot read secret file " + e.getMessage());
        }
    }

    private Object convertDefault(Spec.Field field) {
        if (field.spec() instanceof Spec.Scalar s) {
            Object v = convert(String.valueOf(field.defaultValue()), s);
            if (v instanceof Problem p) throw new IllegalStateException("bad default for " + field.name() + ": " + p.message);
            return v;
        }
        return field.defaultValue();
    }

    private void error(Node node, String key, String message) {
        int line = node == null ? 1 : node.getStartMark().getLine() + 1;
        errors.add(new ConfigError(fileOf.apply(node), line, key, message));
    }

    private static String keyName(Node keyNode) {
        return keyNode instanceof ScalarNode s ? s.getValue() : String.valueOf(keyNode);
    }

    private static String join(String parent, String name) {
        return parent.isEmpty() ? name : parent + "." + name;
    }

    public static String describe(Spec spec) {
        return switch (spec) {
            case Spec.Obj o -> "mapping";
            case Spec.MapOf m -> "mapping of names to " + describe(m.values());
            case Spec.ListOf l -> "list of " + describe(l.items());
            case Spec.Any a -> "any value";
            case Spec.Scalar s -> s.allowed().isEmpty() ? s.type().label : "one of " + String.join(", ", s.allowed());
        };
    }
}
