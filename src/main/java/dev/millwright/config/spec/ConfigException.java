package dev.millwright.config.spec;

import java.util.List;
import java.util.stream.Collectors;

/** A plant configuration that cannot be used; lists every error found. */
public final class ConfigException extends RuntimeException {
    private final List<ConfigError> errors;

    public ConfigException(List<ConfigError> errors) {
        super(errors.stream().map(ConfigError::toString).collect(Collectors.joining("\n")));
        this.errors = List.copyOf(errors);
    }

    public List<ConfigError> errors() {
        return errors;
    }
}
