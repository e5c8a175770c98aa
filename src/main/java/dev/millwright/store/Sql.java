package dev.millwright.store;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;

/**
 * Named SQL statements read from a resource file. A statement starts at a line {@code -- name: x}
 * and runs to the next such line, so SQL stays in .sql files and the Java names what it runs.
 */
final class Sql {
    private final String resource;
    private final Map<String, String> statements;

    private Sql(String resource, Map<String, String> statements) {
        this.resource = resource;
        this.statements = statements;
    }

    static Sql load(String resource) {
        try (InputStream in = Sql.class.getResourceAsStream(resource)) {
            if (in == null) throw new IllegalStateException("missing SQL resource " + resource);
            String text = new String(in.readAllBytes(), StandardCharsets.UTF_8);
            Map<String, String> statements = new HashMap<>();
            String name = null;
            StringBuilder body = new StringBuilder();
            for (String line : text.split("\n")) {
                if (line.startsWith("-- name:")) {
                    if (name != null) statements.put(name, body.toString().trim());
                    name = line.substring("-- name:".length()).trim();
                    body.setLength(0);
                } else if (name != null && !line.startsWith("--")) {
                    body.append(line).append('\n');
                }
            }
            if (name != null) statements.put(name, body.toString().trim());
            return new Sql(resource, Map.copyOf(statements));
        } catch (IOException e) {
            throw new IllegalStateException("cannot read SQL resource " + resource, e);
        }
    }

    String get(String name) {
        String sql = statements.get(name);
        if (sql == null) throw new IllegalStateException("no statement '" + name + "' in " + resource);
        return sql;
    }
}
