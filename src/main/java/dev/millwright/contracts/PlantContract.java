package dev.millwright.contracts;

import com.fasterxml.jackson.databind.JsonNode;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A contract a plant adds in its folder, contracts/TYPE/VERSION.json: the JSON Schema of the data of a
 * new type, or of a new version of a catalog type. Versions are vMAJOR or vMAJOR.MINOR; a minor version
 * must stay compatible with the one before it.
 */
public record PlantContract(String type, String version, String file, JsonNode schema) {
    static final Pattern VERSION = Pattern.compile("v(\\d{1,3})(?:\\.(\\d{1,3}))?");

    public int major() {
        return part(1);
    }

    public int minor() {
        return part(2);
    }

    private int part(int group) {
        Matcher m = VERSION.matcher(version);
        if (!m.matches()) throw new IllegalStateException("bad version " + version);
        return m.group(group) == null ? 0 : Integer.parseInt(m.group(group));
    }

    public static boolean isVersion(String version) {
        return VERSION.matcher(version).matches();
    }

    /** The entity name its schema is registered under, beside the catalog's entities. */
    String entity() {
        return "plant/" + type + "/" + version;
    }
}
