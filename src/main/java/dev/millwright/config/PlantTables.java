package dev.millwright.config;

import dev.millwright.config.spec.ConfigError;
import dev.millwright.mapping.ValueMap;
import dev.millwright.store.XrefStore;
import dev.millwright.xref.XrefCsv;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/** The plant folder's tables: valuemaps/NAME.csv (key,value) and xref/*.csv (cross-reference seed rows). */
final class PlantTables {
    private PlantTables() {
    }

    static Map<String, ValueMap> valueMaps(Path dir, List<ConfigError> errors) {
        Map<String, ValueMap> out = new LinkedHashMap<>();
        for (Path file : csvFiles(dir.resolve("valuemaps"))) {
            String name = file.getFileName().toString().replaceFirst("\\.csv$", "");
            String display = "valuemaps/" + file.getFileName();
            List<String> lines;
            try {
                lines = Files.readAllLines(file);
            } catch (IOException e) {
                errors.add(new ConfigError(display, 1, "", "cannot be read: " + e.getMessage()));
                continue;
            }
            if (lines.isEmpty() || !lines.getFirst().strip().equals("key,value")) {
                errors.add(new ConfigError(display, 1, "", "the first line must be the header key,value"));
                continue;
            }
            Map<String, String> entries = new LinkedHashMap<>();
            String defaultValue = null;
            for (int i = 1; i < lines.size(); i++) {
                String line = lines.get(i);
                if (line.isBlank()) continue;
                int comma = line.indexOf(',');
                if (comma <= 0) {
                    errors.add(new ConfigError(display, i + 1, "", "expected KEY,VALUE"));
                    continue;
                }
                String key = line.substring(0, comma).strip(), value = line.substring(comma + 1).strip();
                if (key.equals(ValueMap.DEFAULT_KEY)) {
                    defaultValue = value;
                } else if (entries.putIfAbsent(key, value) != null) {
                    errors.add(new ConfigError(display, i + 1, "", "key '" + key + "' is listed twice"));
                }
            }
            out.put(name, new ValueMap(name, Map.copyOf(entries), defaultValue));
        }
        return Map.copyOf(out);
    }

    /** Seed rows from xref/*.csv; rows that cannot be read are config errors naming file and line. */
    static List<XrefStore.Row> xrefSeed(Path dir, List<ConfigError> errors) {
        List<XrefStore.Row> rows = new ArrayList<>();
        for (Path file : csvFiles(dir.resolve("xref"))) {
            String display = "xref/" + file.getFileName();
            try {
                XrefCsv.Parsed parsed = XrefCsv.parse(Files.readString(file));
                parsed.rejected().forEach(r -> errors.add(new ConfigError(display, r.line(), "", r.reason())));
                rows.addAll(parsed.rows());
            } catch (IOException e) {
                errors.add(new ConfigError(display, 1, "", "cannot be read: " + e.getMessage()));
            } catch (IllegalArgumentException e) {
                errors.add(new ConfigError(display, 1, "", e.getMessage()));
            }
        }
        return List.copyOf(rows);
    }

    private static List<Path> csvFiles(Path folder) {
        if (!Files.isDirectory(folder)) return List.of();
        try (Stream<Path> s = Files.list(folder)) {
            return s.filter(p -> p.getFileName().toString().endsWith(".csv")).sorted().toList();
        } catch (IOException e) {
            return List.of();
        }
    }
}
