package dev.millwright.config;

import java.util.Map;

/** Typed reads from a validated value tree (see SpecValidator); defaults are already filled in. */
public final class ConfigValues {
    private ConfigValues() {
    }

    @SuppressWarnings("unchecked")
    public static Map<String, Object> section(Map<String, Object> tree, String key) {
        Object v = tree.get(key);
        return v == null ? null : (Map<String, Object>) v;
    }

    @SuppressWarnings("unchecked")
    public static <T> T get(Map<String, Object> tree, String key) {
        return (T) tree.get(key);
    }
}
