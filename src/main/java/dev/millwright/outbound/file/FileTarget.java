package dev.millwright.outbound.file;

import dev.millwright.delivery.Fence;
import dev.millwright.delivery.Outcome;
import dev.millwright.delivery.Target;
import dev.millwright.health.Health;
import dev.millwright.config.RetryPolicy;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.dataformat.csv.CsvMapper;
import com.fasterxml.jackson.dataformat.csv.CsvSchema;
import dev.millwright.event.Json;
import dev.millwright.mapping.Mapping;
import dev.millwright.mapping.Mappings;
import dev.millwright.store.LaneItem;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Delivers to a system that only imports files: each delivery becomes DIR/PATH/IDEMPOTENCY-KEY.json (the
 * CloudEvent or the mapped JSON) or .csv (the mapped rows),
 * written to a hidden temporary file, flushed to disk and renamed into place, so an importer never sees
 * half a file and a repeated delivery replaces the same file instead of adding a second one.
 */
public final class FileTarget implements Target {
    private static final CsvMapper CSV = new CsvMapper();

    private final String name;
    private final FileOutbound config;
    private final Mappings mappings;

    public FileTarget(String name, FileOutbound config, Mappings mappings) {
        this.name = name;
        this.config = config;
        this.mappings = mappings;
    }

    @Override
    public String name() {
        return name;
    }

    /** A local write and fsync; the lane lease (at least 2 s with any HTTP system, 20 s by default) outlasts it. */
    @Override
    public Duration callTimeout() {
        return Duration.ofSeconds(1);
    }

    @Override
    public RetryPolicy retry() {
        return config.retry();
    }

    @Override
    public Outcome send(LaneItem item, String body, Fence fence) {
        if (!fence.allows(Duration.ZERO)) return Outcome.unsent("the lane's lease ran out before the write; not written");
        String extension = config.format().equals("csv") ? ".csv" : ".json";
        Path folder = config.dir().resolve(item.path().replaceFirst("^/+", "")).normalize();
        if (!folder.startsWith(config.dir().normalize())) {
            return Outcome.permanent(null, "the path '" + item.path() + "' leads outside the system's folder " + config.dir() + "; not written");
        }
        Path file = folder.resolve(item.idempotencyKey() + extension);
        Path temp = folder.resolve("." + item.idempotencyKey() + extension + ".tmp");
        String content;
        try {
            content = content(body);
        } catch (Mapping.Unavailable e) {
            return Outcome.retry(null, e.describe(), null);
        } catch (Mapping.MappingException e) {
            return Outcome.permanent(null, e.describe() + "; event: " + (body.length() <= 300 ? body : body.substring(0, 300) + "…"));
        }
        try {
            if (!folder.startsWith(config.dir().normalize())) {
                return Outcome.permanent(null, "path " + item.path() + " leaves the export folder");
            }
            Files.createDirectories(folder);
            try (FileChannel out = FileChannel.open(temp, StandardOpenOption.CREATE, StandardOpenOption.TRUNCATE_EXISTING,
                    StandardOpenOption.WRITE)) {
                ByteBuffer bytes = ByteBuffer.wrap(content.getBytes(StandardCharsets.UTF_8));
                while (bytes.hasRemaining()) out.write(bytes);
                out.force(true);
            }
            Files.move(temp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            return Outcome.delivered(0);
        } catch (IOException e) {
            try {
                Files.deleteIfExists(temp);
            } catch (IOException ignored) {
                // the next attempt truncates it anyway
            }
            return Outcome.retry(null, "cannot write " + file + ": " + e.getClass().getSimpleName()
                    + (e.getMessage() == null ? "" : " " + e.getMessage()), null);
        }
    }

    /** What the file holds: the CloudEvent, the mapped JSON, or the mapped rows as CSV. */
    private String content(String event) {
        if (config.mapping() == null) return event;
        JsonNode mapped;
        try {
            mapped = mappings.apply(config.mapping(), Json.MAPPER.readTree(event), Map.of());
        } catch (IOException e) {
            throw new Mapping.MappingException(config.mapping(), -1, "the stored event is not JSON");
        }
        return config.format().equals("csv") ? csv(mapped) : mapped.toString();
    }

    /** A text cell a spreadsheet would run as a formula, made inert with a leading quote (OWASP's CSV injection advice). */
    private String cell(String text) {
        if (!config.neutralizeFormulas() || text.isEmpty()) return text;
        char c = text.charAt(0);
        return c == '=' || c == '+' || c == '-' || c == '@' || c == '\t' || c == '\r' ? "'" + text : text;
    }

    /** Rows (an object or an array of objects with flat values) under a header of their keys in first-seen order. */
    private String csv(JsonNode mapped) {
        List<JsonNode> rows = new ArrayList<>();
        if (mapped.isArray()) mapped.forEach(rows::add);
        else if (!mapped.isNull() && !mapped.isMissingNode()) rows.add(mapped);
        Set<String> columns = new LinkedHashSet<>();
        List<Map<String, String>> values = new ArrayList<>();
        for (int i = 0; i < rows.size(); i++) {
            JsonNode row = rows.get(i);
            if (!row.isObject()) {
                throw new Mapping.MappingException(config.mapping(), -1, "row " + (i + 1) + " is " + row.getNodeType() + ", not an object of column values");
            }
            Map<String, String> out = new LinkedHashMap<>();
            for (var field : row.properties()) {
                JsonNode v = field.getValue();
                if (v.isContainerNode()) {
                    throw new Mapping.MappingException(config.mapping(), -1, "row " + (i + 1) + " column '" + field.getKey()
                            + "' is " + v.getNodeType() + "; CSV columns hold single values");
                }
                String column = cell(field.getKey());
                columns.add(column);
                out.put(column, v.isNull() ? "" : v.isTextual() ? cell(v.asText()) : v.asText());
            }
            values.add(out);
        }
        CsvSchema.Builder schema = CsvSchema.builder().setUseHeader(true);
        columns.forEach(schema::addColumn);
        try {
            return CSV.writer(schema.build()).writeValueAsString(values);
        } catch (IOException e) {
            throw new Mapping.MappingException(config.mapping(), -1, "rows cannot be written as CSV: " + e.getMessage());
        }
    }

    @Override
    public Health check() {
        long t0 = System.nanoTime();
        Path dir = config.dir();
        String problem = null;
        try {
            Files.createDirectories(dir);
            Path probe = Files.createTempFile(dir, ".millwright-check", ".tmp");
            Files.delete(probe);
        } catch (IOException e) {
            problem = "cannot write in " + dir + ": " + e.getClass().getSimpleName() + (e.getMessage() == null ? "" : " " + e.getMessage());
        }
        return new Health(name, problem == null, dir.toString(), null, (System.nanoTime() - t0) / 1_000_000, "none", problem);
    }

    @Override
    public void close() {
    }
}
