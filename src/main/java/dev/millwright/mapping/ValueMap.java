package dev.millwright.mapping;

import java.util.Map;

/**
 * A value map from valuemaps/NAME.csv (columns key,value), e.g. QMS defect code → ERP quality code.
 * A row with key {@code *} is the default for keys not listed; without one an unlisted key is an error.
 */
public record ValueMap(String name, Map<String, String> entries, String defaultValue) {
    public static final String DEFAULT_KEY = "*";

    /** @throws Mapping.MappingException naming the map and the key when the key is not listed and there is no default */
    public String lookup(String key) {
        String value = entries.get(key);
        if (value != null) return value;
        if (defaultValue != null) return defaultValue;
        throw new Mapping.MappingException("valuemaps/" + name + ".csv", -1, "no entry for '" + key + "' and no default (a row with key *)");
    }
}
