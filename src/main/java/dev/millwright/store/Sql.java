package dev.millwright.store;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
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

    /** A statement with named parameters ({@code :name}, bound as often as it appears; {@code ::type} casts are left alone). */
    record Named(String sql, List<String> parameters) {
        void bind(PreparedStatement ps, Map<String, ?> values) throws SQLException {
            for (int i = 0; i < parameters.size(); i++) {
                String p = parameters.get(i);
                if (!values.containsKey(p)) throw new IllegalArgumentException("no value for :" + p);
                ps.setObject(i + 1, values.get(p));
            }
        }
    }

    private static final Pattern PARAMETER = Pattern.compile("(?<![:\\w]):([a-z][a-z0-9_]*)");

    Named named(String name) {
        Matcher m = PARAMETER.matcher(get(name));
        List<String> parameters = new ArrayList<>();
        StringBuilder sql = new StringBuilder();
        while (m.find()) {
            parameters.add(m.group(1));
            m.appendReplacement(sql, "?");
        }
        m.appendTail(sql);
        return new Named(sql.toString(), List.copyOf(parameters));
    }
}
