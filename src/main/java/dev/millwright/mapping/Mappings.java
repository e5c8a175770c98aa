package dev.millwright.mapping;

import com.fasterxml.jackson.databind.JsonNode;

import java.util.Map;

/** A plant's compiled mappings with the functions they may call, as the pipeline uses them. */
public final class Mappings {
    private final Map<String, Mapping> compiled;
    private final MappingFunctions functions;

    public Mappings(Map<String, Mapping> compiled, MappingFunctions functions) {
        this.compiled = compiled;
        this.functions = functions;
    }

    /** Mappings without a hub around them (commands that only check connectivity): $xref finds nothing. */
    public static Mappings offline(Map<String, Mapping> compiled) {
        return new Mappings(compiled, new MappingFunctions(null, Map.of(), java.time.Clock.systemUTC(), ""));
    }

    public Mapping get(String name) {
        Mapping m = compiled.get(name);
        if (m == null) throw new IllegalStateException("mapping " + name + " was not loaded with the plant");
        return m;
    }

    /**
     * @throws Mapping.Unresolved when an $xref finds no entry
     * @throws Mapping.MappingException for any other failure
     */
    public JsonNode apply(String name, JsonNode input, Map<String, String> variables) {
        return get(name).apply(input, variables, functions);
    }

    /** @param missing collects the $fetch calls that went on without their context */
    public JsonNode apply(String name, JsonNode input, Map<String, String> variables, java.util.List<String> missing) {
        return get(name).apply(input, variables, functions, missing);
    }
}
