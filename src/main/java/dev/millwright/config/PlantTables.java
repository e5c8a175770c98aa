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

    private static final java.util.regex.Pattern LOOKUP = java.util.regex.Pattern.compile("\\$lookup\\(\\s*[\"']([^\"']*)[\"']");
    private static final java.util.regex.Pattern FETCH = java.util.regex.Pattern.compile("\\$fetch\\(\\s*[\"']([^\"']*)[\"']\\s*,\\s*[\"']([^\"']*)[\"']");
    private static final java.util.regex.Pattern XREF = java.util.regex.Pattern.compile("\\$xref\\(\\s*[\"']([^\"']*)[\"']");

    /**
     * Literal names a mapping passes to $lookup and $xref must exist: a value map in valuemaps/, an entity
     * type the cross-reference knows. Names computed at run time are checked when they are used.
     */
    static void checkReferences(Path dir, java.util.Set<String> mappingNames, Map<String, ValueMap> valueMaps, Map<String, SystemConfig> systems,
                                List<ConfigError> errors) {
        for (String name : mappingNames) {
            String text;
            try {
                text = Files.readString(dir.resolve("mappings").resolve(name));
            } catch (IOException e) {
                continue; // reported where the mapping is loaded
            }
            var lookups = LOOKUP.matcher(text);
            while (lookups.find()) {
                if (!valueMaps.containsKey(lookups.group(1))) {
                    errors.add(new ConfigError("mappings/" + name, lineOf(text, lookups.start()), "", "$lookup at position " + lookups.start()
                            + ": no value map '" + lookups.group(1) + "' (valuemaps/" + lookups.group(1) + ".csv); known: "
                            + String.join(", ", valueMaps.keySet().stream().sorted().toList())));
                }
            }
            var fetches = FETCH.matcher(text);
            while (fetches.find()) {
                SystemConfig system = systems.get(fetches.group(1));
                String method = system == null || system.outbound() == null ? null : system.outbound().operationMethods().get(fetches.group(2));
                if (!"GET".equals(method)) {
                    errors.add(new ConfigError("mappings/" + name, lineOf(text, fetches.start()), "", "$fetch at position " + fetches.start()
                            + ": no GET operation '" + fetches.group(2) + "' on system '" + fetches.group(1) + "' (outbound.http.operations)"));
                }
            }
            var xrefs = XREF.matcher(text);
            while (xrefs.find()) {
                if (!XrefStore.ENTITY_TYPES.contains(xrefs.group(1))) {
                    errors.add(new ConfigError("mappings/" + name, lineOf(text, xrefs.start()), "", "$xref at position " + xrefs.start()
                            + ": unknown entity type '" + xrefs.group(1) + "'; known: " + String.join(", ", XrefStore.ENTITY_TYPES.stream().sorted().toList())));
                }
            }
        }
    }

    private static final java.util.regex.Pattern EVENT_TYPE = java.util.regex.Pattern.compile("[\"']type[\"']\\s*:\\s*[\"']([A-Za-z0-9._-]+)[\"']");

    /**
     * Event types an inbound mapping writes as literals must be in the catalog or the plant's contracts,
     * unless the plant accepts unknown types; otherwise every event it makes would be refused at run time.
     */
    static void checkEventTypes(Path dir, java.util.Set<String> inboundMappings, java.util.function.Predicate<String> known, List<ConfigError> errors) {
        for (String name : inboundMappings) {
            String text;
            try {
                text = Files.readString(dir.resolve("mappings").resolve(name));
            } catch (IOException e) {
                continue;
            }
            var types = EVENT_TYPE.matcher(text);
            while (types.find()) {
                if (!known.test(types.group(1))) {
                    errors.add(new ConfigError("mappings/" + name, lineOf(text, types.start()), "", "event type '" + types.group(1)
                            + "' at position " + types.start() + " is neither in the event catalog nor a plant contract "
                            + "(contracts/TYPE/VERSION.json), and contracts.allowUnknownTypes is off"));
                }
            }
        }
    }

    private static int lineOf(String text, int position) {
        int line = 1;
        for (int i = 0; i < position; i++) if (text.charAt(i) == '\n') line++;
        return line;
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
