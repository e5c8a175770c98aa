package dev.millwright.mapping;

import com.dashjoin.jsonata.JException;
import com.dashjoin.jsonata.Jsonata;
import com.fasterxml.jackson.databind.JsonNode;
import dev.millwright.event.Json;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * A JSONata expression from the plant's mappings/ folder, compiled once when the plant is loaded.
 * Evaluations run concurrently: jsonata-java keeps its evaluation state per thread and the parsed expression
 * is only read, so a mapping waiting in a $fetch holds up no other message (MappingTest checks both).
 */
public final class Mapping {
    private final String name;
    private final Jsonata expression;

    private Mapping(String name, Jsonata expression) {
        this.name = name;
        this.expression = expression;
    }

    /** @throws MappingException with the file name and the position of the syntax error */
    public static Mapping load(Path file) {
        String name = file.getFileName().toString();
        String text;
        try {
            text = Files.readString(file);
        } catch (IOException e) {
            throw new MappingException(name, -1, "cannot be read: " + e.getMessage());
        }
        return compile(name, text);
    }

    /** @throws MappingException with the name and the position of the syntax error */
    public static Mapping compile(String name, String text) {
        try {
            return new Mapping(name, Jsonata.jsonata(text));
        } catch (JException e) {
            throw new MappingException(name, e.getLocation(), e.getMessage());
        }
    }

    public String name() {
        return name;
    }

    /** Applies the mapping; a runtime error names the mapping, the position in it and what failed. */
    public JsonNode apply(JsonNode input) {
        return apply(input, java.util.Map.of());
    }

    /** Applies the mapping with variables bound ($topic, $file, ...), e.g. where a payload came from. */
    public JsonNode apply(JsonNode input, java.util.Map<String, String> variables) {
        return apply(input, variables, null);
    }

    /**
     * Applies the mapping with variables and the hub's functions ($xref, $lookup, $now, $uuid, $plant) bound.
     *
     * @throws Unresolved when an $xref finds no entry
     * @throws MappingException for any other failure, naming the mapping and (where known) the position
     */
    public JsonNode apply(JsonNode input, java.util.Map<String, String> variables, MappingFunctions functions) {
        return apply(input, variables, functions, new java.util.ArrayList<>());
    }

    /** @param missing collects the $fetch calls that went on without their context (operations that allow it) */
    public JsonNode apply(JsonNode input, java.util.Map<String, String> variables, MappingFunctions functions, java.util.List<String> missing) {
        Object in = Json.MAPPER.convertValue(input, Object.class);
        Object out;
        try {
            // Every evaluation gets a frame of its own, so nothing bound for one message is seen by another.
            Jsonata.Frame frame = expression.createFrame();
            variables.forEach(frame::bind);
            if (functions != null) functions.bind(frame, missing);
            out = expression.evaluate(in, frame);
        } catch (RuntimeException e) {
            throw failure(e);
        }
        return out == null || out == Jsonata.NULL_VALUE ? Json.MAPPER.nullNode() : Json.MAPPER.valueToTree(out);
    }

    /** What went wrong, found in the cause chain: an unresolved reference, a value map miss, or the engine's own error. */
    private MappingException failure(RuntimeException e) {
        int position = -1;
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof JException j && j.getLocation() >= 0 && position < 0) position = j.getLocation();
            if (t instanceof MappingFunctions.Unresolved u) return new Unresolved(name, position, u.getMessage());
            if (t instanceof Fetcher.Unavailable u) return new Unavailable(name, position, u.getMessage());
            if (t instanceof MappingException m) return new MappingException(name, position, m.mapping().equals(name) ? m.getMessage() : m.describe());
            if (t.getCause() == t) break;
        }
        if (e instanceof JException j) return new MappingException(name, j.getLocation(), j.getMessage());
        return new MappingException(name, position, e.getClass().getSimpleName() + (e.getMessage() == null ? "" : ": " + e.getMessage()));
    }

    /** A mapping whose $fetch found its system unable to answer: worth trying again later. */
    public static final class Unavailable extends MappingException {
        public Unavailable(String mapping, int position, String message) {
            super(mapping, position, "context unavailable: " + message);
        }
    }

    /** A mapping that met an id with no cross-reference entry. */
    public static final class Unresolved extends MappingException {
        public Unresolved(String mapping, int position, String message) {
            super(mapping, position, "unresolved reference: " + message);
        }
    }

    /** A mapping that does not compile or fails on an input. */
    public static class MappingException extends RuntimeException {
        private final String mapping;
        private final int position;

        public MappingException(String mapping, int position, String message) {
            super(message, null, false, false);
            this.mapping = mapping;
            this.position = position;
        }

        public String mapping() {
            return mapping;
        }

        /** Character position in the expression, or -1 when unknown. */
        public int position() {
            return position;
        }

        public String describe() {
            return "mapping " + mapping + (position >= 0 ? " at position " + position : "") + ": " + getMessage();
        }
    }
}
