package dev.millwright.harness;

import com.fasterxml.jackson.databind.JsonNode;
import dev.millwright.config.PlantConfig;
import dev.millwright.config.PlantSpecs;
import dev.millwright.config.spec.ConfigError;
import dev.millwright.config.spec.ConfigException;
import dev.millwright.event.Json;
import dev.millwright.inbound.PayloadFormat;
import dev.millwright.ingest.RejectedInput;
import dev.millwright.mapping.Fetcher;
import dev.millwright.mapping.Mapping;
import dev.millwright.mapping.MappingFunctions;
import dev.millwright.mapping.ValueMap;
import dev.millwright.store.XrefStore;
import dev.millwright.xref.XrefLookup;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/**
 * Runs the mapping test cases in a plant folder's tests/*.yaml offline: each case's input goes through its
 * mapping with the case file's cross-reference entries, value maps and clock, and the output (or error)
 * is compared with what the case expects.
 */
public final class MappingTests {
    private MappingTests() {
    }

    /**
     * @throws ConfigException when the plant folder or a test file is invalid (every error with file, line and key)
     */
    public static List<CaseResult> run(Path dir) {
        PlantConfig plant = PlantConfig.load(dir);
        List<ConfigError> errors = new ArrayList<>();
        List<CaseResult> results = new ArrayList<>();
        for (Path file : testFiles(dir.resolve("tests"))) {
            Map<String, Object> tree = PlantConfig.read(dir, file, PlantSpecs.MAPPING_TEST, errors, System::getenv);
            if (tree == null) continue;
            String display = dir.relativize(file).toString();
            String mappingName = (String) tree.get("mapping");
            Mapping mapping = plant.mappings().get(mappingName);
            if (mapping == null) {
                Path source = dir.resolve("mappings").resolve(mappingName);
                if (!Files.isRegularFile(source)) {
                    errors.add(new ConfigError(display, 1, "mapping", "no file mappings/" + mappingName));
                    continue;
                }
                try {
                    mapping = Mapping.load(source); // a mapping no system uses yet can still be tested
                } catch (Mapping.MappingException e) {
                    errors.add(new ConfigError(display, 1, "mapping", e.describe()));
                    continue;
                }
            }
            MappingFunctions functions = functions(plant, tree);
            PayloadFormat format = PayloadFormat.of((String) tree.get("format"));
            @SuppressWarnings("unchecked") Map<String, String> variables = tree.get("variables") == null ? Map.of() : (Map<String, String>) tree.get("variables");
            @SuppressWarnings("unchecked") List<Map<String, Object>> cases = (List<Map<String, Object>>) tree.get("cases");
            for (int i = 0; i < cases.size(); i++) {
                Map<String, Object> c = cases.get(i);
                if ((c.get("input") == null) == (c.get("inputText") == null)) {
                    errors.add(new ConfigError(display, 1, "cases[" + i + "]", "give exactly one of input and inputText"));
                    continue;
                }
                if ((c.get("expect") == null) == (c.get("expectError") == null)) {
                    errors.add(new ConfigError(display, 1, "cases[" + i + "]", "give exactly one of expect and expectError"));
                    continue;
                }
                results.add(new CaseResult(display, (String) c.get("name"), check(mapping, functions, format, variables, c)));
            }
        }
        if (!errors.isEmpty()) throw new ConfigException(errors);
        return results;
    }

    private static List<String> check(Mapping mapping, MappingFunctions functions, PayloadFormat format, Map<String, String> variables,
                                      Map<String, Object> c) {
        JsonNode output;
        try {
            JsonNode input = c.get("input") != null ? Json.MAPPER.valueToTree(c.get("input"))
                    : format.parse(((String) c.get("inputText")).getBytes(java.nio.charset.StandardCharsets.UTF_8));
            output = mapping.apply(input, variables, functions);
        } catch (Mapping.MappingException | RejectedInput e) {
            String message = e instanceof Mapping.MappingException m ? m.describe()
                    : ((RejectedInput) e).title() + ": " + ((RejectedInput) e).violations().getFirst().detail();
            String expected = (String) c.get("expectError");
            if (expected == null) return List.of("failed: " + message);
            return message.contains(expected) ? List.of() : List.of("error: expected it to contain \"" + expected + "\", got \"" + message + "\"");
        }
        if (c.get("expectError") != null) return List.of("expected an error containing \"" + c.get("expectError") + "\", got " + output);
        return JsonDiff.diff(Json.MAPPER.valueToTree(c.get("expect")), output);
    }

    @SuppressWarnings("unchecked")
    private static MappingFunctions functions(PlantConfig plant, Map<String, Object> tree) {
        List<XrefStore.Row> rows = new ArrayList<>();
        if (tree.get("xref") != null) {
            for (Map<String, Object> r : (List<Map<String, Object>>) tree.get("xref")) {
                rows.add(new XrefStore.Row(0, (String) r.get("entityType"), (String) r.get("canonicalId"), (String) r.get("system"), (String) r.get("localId")));
            }
        }
        Map<String, ValueMap> valueMaps = new HashMap<>(plant.valueMaps());
        if (tree.get("valuemaps") != null) {
            ((Map<String, Map<String, String>>) tree.get("valuemaps")).forEach((name, entries) -> {
                Map<String, String> listed = new LinkedHashMap<>(entries);
                String fallback = listed.remove(ValueMap.DEFAULT_KEY);
                valueMaps.put(name, new ValueMap(name, Map.copyOf(listed), fallback));
            });
        }
        Clock clock = Clock.fixed(Instant.parse((String) tree.get("now")), ZoneOffset.UTC);
        String plantName = plant.hub() == null ? "" : plant.hub().plant();
        Map<String, Fetcher> fetchers = new HashMap<>();
        if (tree.get("fetch") != null) {
            ((Map<String, Map<String, Object>>) tree.get("fetch")).forEach((systemOperation, answers) -> {
                int dot = systemOperation.indexOf('.');
                String system = dot < 0 ? systemOperation : systemOperation.substring(0, dot);
                String operation = dot < 0 ? "" : systemOperation.substring(dot + 1);
                Fetcher previous = fetchers.get(system);
                fetchers.put(system, (op, key) -> op.equals(operation) ? Json.MAPPER.valueToTree(answers.get(key))
                        : previous != null ? previous.fetch(op, key) : Json.MAPPER.nullNode());
            });
        }
        return new MappingFunctions(XrefLookup.of(rows), Map.copyOf(valueMaps), clock, plantName, fetchers);
    }

    private static List<Path> testFiles(Path folder) {
        if (!Files.isDirectory(folder)) return List.of();
        try (Stream<Path> s = Files.list(folder)) {
            return s.filter(p -> p.getFileName().toString().endsWith(".yaml")).sorted().toList();
        } catch (IOException e) {
            return List.of();
        }
    }
}
