package dev.millwright.config.spec;

/** A configured value that may hold a secret; it never prints itself. */
public record Secret(String value) {
    @Override
    public String toString() {
        return "****";
    }
}
