package dev.millwright.config.spec;

import java.util.List;

/**
 * The definition of a configuration section. One definition validates a plant's YAML
 * ({@link SpecValidator}), generates its reference page and its JSON Schema ({@link SpecDocs}).
 */
public sealed interface Spec {

    /** A mapping with known keys; any other key is an error. */
    record Obj(List<Field> fields) implements Spec {
        public Field field(String name) {
            return fields.stream().filter(f -> f.name().equals(name)).findFirst().orElse(null);
        }
    }

    /** A mapping from free keys to values of one spec (e.g. HTTP headers). */
    record MapOf(Spec values) implements Spec {
    }

    /** A non-empty sequence of values of one spec (e.g. MQTT topic filters). */
    record ListOf(Spec items) implements Spec {
    }

    /** Any YAML value (mapping, list or scalar), taken as JSON: example payloads, expected outputs. */
    record Any() implements Spec {
    }

    /** A single value. {@code allowed} restricts strings to a set; min/max bound numbers. */
    record Scalar(Type type, List<String> allowed, Double min, Double max) implements Spec {
    }

    enum Type {
        STRING("string"), INTEGER("integer"), NUMBER("number"), BOOLEAN("boolean"),
        DURATION("duration (500ms, 10s, 5m, 1h, 7d)"), URL("http(s) URL"),
        /** A JSONata expression, compiled when the plant is loaded. */
        EXPRESSION("JSONata expression"),
        /** A secret reference: ${env:NAME} or ${file:/path}, never the secret itself. */
        SECRET("secret reference (${env:NAME} or ${file:/path})"),
        /** A string that may be a literal, or a secret reference. */
        TEXT_OR_SECRET("string or secret reference");

        public final String label;

        Type(String label) {
            this.label = label;
        }
    }

    /** One key of an object. */
    record Field(String name, Spec spec, boolean required, Object defaultValue, String description, String example) {
    }

    // Small builders so specs read like the YAML they describe.

    static Any any() {
        return new Any();
    }

    static ListOf listOf(Spec items) {
        return new ListOf(items);
    }

    static Obj object(Field... fields) {
        return new Obj(List.of(fields));
    }

    static Field required(String name, Spec spec, String description, String example) {
        return new Field(name, spec, true, null, description, example);
    }

    static Field optional(String name, Spec spec, Object defaultValue, String description) {
        return new Field(name, spec, false, defaultValue, description, null);
    }

    static Scalar string() {
        return new Scalar(Type.STRING, List.of(), null, null);
    }

    static Scalar oneOf(String... allowed) {
        return new Scalar(Type.STRING, List.of(allowed), null, null);
    }

    static Scalar integer(long min, long max) {
        return new Scalar(Type.INTEGER, List.of(), (double) min, (double) max);
    }

    static Scalar number(double min, double max) {
        return new Scalar(Type.NUMBER, List.of(), min, max);
    }

    static Scalar bool() {
        return new Scalar(Type.BOOLEAN, List.of(), null, null);
    }

    static Scalar duration() {
        return new Scalar(Type.DURATION, List.of(), null, null);
    }

    static Scalar expression() {
        return new Scalar(Type.EXPRESSION, List.of(), null, null);
    }

    static Scalar url() {
        return new Scalar(Type.URL, List.of(), null, null);
    }

    static Scalar secret() {
        return new Scalar(Type.SECRET, List.of(), null, null);
    }

    static Scalar textOrSecret() {
        return new Scalar(Type.TEXT_OR_SECRET, List.of(), null, null);
    }
}
