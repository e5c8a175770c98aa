package dev.millwright.config.spec;

/** A configuration problem, located by file, line and key. */
public record ConfigError(String file, int line, String key, String message) {
    @Override
    public String toString() {
        return file + ":" + line + ": " + (key.isEmpty() ? "" : key + ": ") + message;
    }
}
