package dev.millwright.config;

import dev.millwright.config.spec.ConfigError;
import dev.millwright.config.spec.ConfigException;
import dev.millwright.config.spec.Spec;
import dev.millwright.config.spec.SpecValidator;
import dev.millwright.contracts.ContractCatalog;
import dev.millwright.contracts.Contracts;
import dev.millwright.contracts.PlantContract;
import dev.millwright.event.Json;
import dev.millwright.mapping.Mapping;
import dev.millwright.mapping.ValueMap;
import dev.millwright.store.XrefStore;
import com.fasterxml.jackson.databind.JsonNode;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.error.MarkedYAMLException;
import org.yaml.snakeyaml.nodes.MappingNode;
import org.yaml.snakeyaml.nodes.Node;
import org.yaml.snakeyaml.nodes.NodeTuple;
import org.yaml.snakeyaml.nodes.ScalarNode;

import java.io.IOException;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * A plant folder: millwright.yaml, systems/*.yaml, subscriptions/*.yaml, flows/*.yaml and contracts/TYPE/VERSION.json,
 * validated together.
 * Loading reports every error in every file at once, each with file, line and key.
 */
public record PlantConfig(Path dir, HubSettings hub, Map<String, SystemConfig> systems, List<Subscription> subscriptions,
                          List<PlantContract> contracts, Map<String, Mapping> mappings, Map<String, ValueMap> valueMaps,
                          List<XrefStore.Row> xrefSeed, List<dev.millwright.flow.Flow> flows, List<AlertRule> alerts) {
    private static final Pattern NAME = Pattern.compile("[a-z0-9][a-z0-9-]{0,62}");
    private static final Pattern ORDER_BY = Pattern.compile("(data(\\.[A-Za-z0-9_-]+)+|[a-z0-9]{1,20})");

    public static PlantConfig load(Path dir) {
        return load(dir, System::getenv);
    }

    public static PlantConfig load(Path dir, Function<String, String> env) {
        return load(dir, env, null);
    }

    /**
     * @param environment the environment whose values (environments/NAME.yaml) go over the plant files, or null for none
     */
    public static PlantConfig load(Path dir, Function<String, String> env, String environment) {
        List<ConfigError> errors = new ArrayList<>();
        if (!Files.isDirectory(dir)) {
            throw new ConfigException(List.of(new ConfigError(dir.toString(), 1, "", "is not a plant folder (no such directory)")));
        }
        Overlay overlay = Overlay.load(dir, environment, errors);
        Path hubFile = dir.resolve("millwright.yaml");
        HubSettings hub = null;
        if (!Files.exists(hubFile)) {
            errors.add(new ConfigError(display(dir, hubFile), 1, "", "missing: every plant folder has a millwright.yaml"));
        } else {
            Map<String, Object> tree = read(dir, hubFile, PlantSpecs.HUB, errors, env, overlay);
            if (tree != null && errors.isEmpty()) hub = HubSettings.from(tree);
        }

        Map<String, SystemConfig> systems = new LinkedHashMap<>();
        Map<String, Mapping> mappings = new LinkedHashMap<>();
        for (Path file : yamlFiles(dir.resolve("systems"))) {
            int before = errors.size();
            Node root = compose(dir, file, errors, overlay);
            Map<String, Object> tree = root == null ? null : validate(dir, file, root, PlantSpecs.SYSTEM, errors, env, overlay);
            if (tree == null || errors.size() > before) continue;
            if (tree.get("outbound") instanceof Map<?, ?> outbound) {
                List<String> kinds = outbound.entrySet().stream().filter(e -> e.getValue() != null).map(e -> String.valueOf(e.getKey())).toList();
                if (kinds.size() > 1) {
                    errors.add(new ConfigError(display(dir, file), keyLine(root, "outbound", kinds.get(1)), "outbound." + kinds.get(1),
                            "a system has one outbound connector and this one declares " + String.join(" and ", kinds)
                                    + "; describe the other as a system of its own"));
                    continue;
                }
            }
            SystemConfig system = SystemConfig.from(tree);
            checkName(dir, file, system.name(), errors);
            if (system.producerToken() != null && system.plants().isEmpty()) {
                errors.add(new ConfigError(display(dir, file), 1, "plants", "is required with producer: a producer sends events of its plants only"));
            }
            for (int i = 0; i < system.plants().size(); i++) {
                String why = dev.millwright.security.PlantScope.problem(system.plants().get(i));
                if (why != null) errors.add(new ConfigError(display(dir, file), 1, "plants[" + i + "]", why));
            }
            // What each kind checks of its own settings, and the mappings they name.
            if (system.outbound() != null) {
                String at = "outbound." + system.outbound().kind() + ".";
                system.outbound().mappings().forEach((key, name) -> loadMapping(dir, file, at + key, name, mappings, errors));
                for (var p : system.outbound().problems()) errors.add(new ConfigError(display(dir, file), 1, at + p.key(), p.message()));
            }
            for (SystemConfig.InboundChannel channel : system.inbound().channels()) {
                String at = "inbound." + channel.section() + ".";
                loadMapping(dir, file, at + "mapping", channel.mapping(), mappings, errors);
                for (var p : channel.problems()) errors.add(new ConfigError(display(dir, file), 1, at + p.key(), p.message()));
            }
            if (systems.putIfAbsent(system.name(), system) != null) {
                errors.add(new ConfigError(display(dir, file), 1, "name", "system '" + system.name() + "' is defined twice"));
            }
        }

        if (hub != null) {
            for (SystemConfig system : systems.values()) {
                java.time.Duration call = system.outbound() == null ? null : system.outbound().longestCall();
                if (call != null && hub.delivery().leaseTtl().compareTo(call.multipliedBy(2)) < 0) {
                    errors.add(new ConfigError("millwright.yaml", 1, "delivery.leaseTtl", "must be at least twice the longest outbound call, timeout plus batch wait ("
                            + system.name() + ": " + call.toMillis() + " ms), so a call never outlives a lane lease"));
                }
            }
        }

        List<Subscription> subscriptions = new ArrayList<>();
        for (Path file : yamlFiles(dir.resolve("subscriptions"))) {
            int before = errors.size();
            Node root = compose(dir, file, errors, overlay);
            Map<String, Object> tree = root == null ? null : validate(dir, file, root, PlantSpecs.SUBSCRIPTION, errors, env, overlay);
            if (tree == null || errors.size() > before) continue;
            Subscription s = Subscription.from(tree);
            checkName(dir, file, s.name(), errors);
            SystemConfig target = systems.get(s.system());
            if (target == null) {
                errors.add(new ConfigError(display(dir, file), line(root, "deliver", "system"), "deliver.system",
                        "unknown system '" + s.system() + "'; known systems: " + String.join(", ", systems.keySet())));
            } else if (target.outbound() == null) {
                errors.add(new ConfigError(display(dir, file), line(root, "deliver", "system"), "deliver.system",
                        "system '" + s.system() + "' has no outbound section (" + dev.millwright.connector.Connectors.outboundNames() + ") to deliver with"));
            }
            Map<String, String> operations = target == null || target.outbound() == null ? Map.of() : target.outbound().operationMethods();
            if (s.operation() != null && target != null && !operations.containsKey(s.operation())) {
                errors.add(new ConfigError(display(dir, file), line(root, "deliver", "operation"), "deliver.operation",
                        "system '" + s.system() + "' has no operation '" + s.operation() + "'" + (operations.isEmpty() ? ""
                                : "; its operations: " + String.join(", ", operations.keySet()))));
            }
            if (s.operation() != null && "GET".equals(operations.get(s.operation()))) {
                errors.add(new ConfigError(display(dir, file), line(root, "deliver", "operation"), "deliver.operation",
                        "'" + s.operation() + "' is a GET operation: it fetches context for mappings and cannot receive deliveries"));
            }
            if (s.orderBy() != null && !ORDER_BY.matcher(s.orderBy()).matches()) {
                errors.add(new ConfigError(display(dir, file), line(root, "orderBy"), "orderBy",
                        "'" + s.orderBy() + "' is neither an attribute name (subject, source, ...) nor a data path (data.lot.id)"));
            }
            dev.millwright.event.PathTemplate.problems(s.path(), null, problem -> errors.add(new ConfigError(display(dir, file), line(root, "deliver", "path"),
                    "deliver.path", problem)));
            if (!s.path().startsWith("/")) {
                errors.add(new ConfigError(display(dir, file), line(root, "deliver", "path"), "deliver.path", "must start with '/'"));
            }
            if (subscriptions.stream().anyMatch(x -> x.name().equals(s.name()))) {
                errors.add(new ConfigError(display(dir, file), line(root, "name"), "name", "subscription '" + s.name() + "' is defined twice"));
            }
            subscriptions.add(s);
        }
        List<PlantContract> contracts = loadContracts(dir, errors);
        if (hub != null && !hub.contracts().allowUnknownTypes()) {
            var catalog = dev.millwright.contracts.ContractCatalog.builtIn();
            java.util.Set<String> inbound = new java.util.TreeSet<>();
            for (SystemConfig s : systems.values()) {
                s.inbound().channels().forEach(c -> inbound.add(c.mapping()));
            }
            inbound.retainAll(mappings.keySet());
            PlantTables.checkEventTypes(dir, inbound, type -> catalog.types().containsKey(type)
                    || contracts.stream().anyMatch(c -> c.type().equals(type)), errors);
        }
        Map<String, ValueMap> valueMaps = PlantTables.valueMaps(dir, errors);
        PlantTables.checkReferences(dir, mappings.keySet(), valueMaps, systems, errors);
        List<XrefStore.Row> xrefSeed = PlantTables.xrefSeed(dir, errors);
        List<dev.millwright.flow.Flow> flows = new ArrayList<>();
        for (Path file : yamlFiles(dir.resolve("flows"))) {
            String text;
            try {
                text = Files.readString(file, StandardCharsets.UTF_8);
            } catch (IOException e) {
                errors.add(new ConfigError(display(dir, file), 1, "", "cannot be read: " + e.getMessage()));
                continue;
            }
            dev.millwright.flow.Flow flow = dev.millwright.flow.FlowFiles.parse(display(dir, file), text, systems, errors);
            if (flow == null) continue;
            checkName(dir, file, flow.name(), errors);
            flows.add(flow);
        }
        List<AlertRule> alerts = new ArrayList<>();
        for (Path file : yamlFiles(dir.resolve("alerts"))) {
            int before = errors.size();
            Node root = compose(dir, file, errors, overlay);
            Map<String, Object> tree = root == null ? null : validate(dir, file, root, PlantSpecs.ALERT, errors, env, overlay);
            if (tree == null || errors.size() > before) continue;
            AlertRule a = AlertRule.from(tree);
            checkName(dir, file, a.name(), errors);
            boolean expectation = a.whenOn() != null || a.expectOn() != null || a.within() != null;
            int kinds = (expectation ? 1 : 0) + (a.deadLettersOf() != null ? 1 : 0) + (a.queueOf() != null ? 1 : 0);
            if (kinds != 1) {
                errors.add(new ConfigError(display(dir, file), 1, "", "an alert watches one thing: when/expect/within, or deadLetters, or queueAge"));
            } else if (expectation) {
                for (String part : List.of("when", "expect", "within")) {
                    if (tree.get(part) == null) errors.add(new ConfigError(display(dir, file), 1, part, "is required with when/expect/within"));
                }
                for (String[] key : new String[][]{{"when", a.whenKey()}, {"expect", a.expectKey()}}) {
                    if (key[1] != null && !ORDER_BY.matcher(key[1]).matches()) {
                        errors.add(new ConfigError(display(dir, file), line(root, key[0], "key"), key[0] + ".key",
                                "'" + key[1] + "' is neither an attribute name (subject, ...) nor a data path (data.lot.id)"));
                    }
                }
                if (a.within() != null && (a.within().isZero() || a.within().isNegative())) {
                    errors.add(new ConfigError(display(dir, file), line(root, "within"), "within", "must be longer than zero"));
                }
            } else {
                String section = a.deadLettersOf() != null ? "deadLetters" : "queueAge";
                String system = a.deadLettersOf() != null ? a.deadLettersOf() : a.queueOf();
                if (!systems.containsKey(system) || systems.get(system).outbound() == null) {
                    errors.add(new ConfigError(display(dir, file), line(root, section, "system"), section + ".system",
                            "no system '" + system + "' that receives deliveries; systems: " + String.join(", ", systems.keySet())));
                }
                if (a.queueAbove() != null && (a.queueAbove().isZero() || a.queueAbove().isNegative())) {
                    errors.add(new ConfigError(display(dir, file), line(root, "queueAge", "above"), "queueAge.above", "must be longer than zero"));
                }
            }
            if (alerts.stream().anyMatch(x -> x.name().equals(a.name()))) {
                errors.add(new ConfigError(display(dir, file), line(root, "name"), "name", "alert '" + a.name() + "' is defined twice"));
            }
            alerts.add(a);
        }
        if (!errors.isEmpty()) throw new ConfigException(errors);
        return new PlantConfig(dir, hub, Map.copyOf(systems), List.copyOf(subscriptions), contracts, Map.copyOf(mappings), valueMaps, xrefSeed,
                List.copyOf(flows), List.copyOf(alerts));
    }

    public PlantConfig withHub(HubSettings settings) {
        return new PlantConfig(dir, settings, systems, subscriptions, contracts, mappings, valueMaps, xrefSeed, flows, alerts);
    }

    /** A mapping a system names must exist in mappings/ and compile; each is compiled once. */
    private static void loadMapping(Path dir, Path file, String key, String name, Map<String, Mapping> mappings, List<ConfigError> errors) {
        Path mappingFile = dir.resolve("mappings").resolve(name);
        if (!Files.isRegularFile(mappingFile)) {
            errors.add(new ConfigError(display(dir, file), 1, key, "no file mappings/" + name));
        } else if (!mappings.containsKey(name)) {
            try {
                mappings.put(name, Mapping.load(mappingFile));
            } catch (Mapping.MappingException e) {
                errors.add(new ConfigError(display(dir, mappingFile), 1, "", "does not compile: " + e.describe()));
            }
        }
    }

    /** The inbound mapping must exist and compile (errors give its position); the auth type's secret must be set. */
    private static final Pattern TYPE = Pattern.compile("[a-z][a-z0-9-]*(\\.[a-z][a-z0-9-]*)+");

    /** contracts/TYPE/VERSION.json: each must parse, be named well, compile, and stay compatible within its major. */
    private static List<PlantContract> loadContracts(Path dir, List<ConfigError> errors) {
        Path folder = dir.resolve("contracts");
        if (!Files.isDirectory(folder)) return List.of();
        ContractCatalog catalog = ContractCatalog.builtIn();
        List<PlantContract> out = new ArrayList<>();
        int before = errors.size();
        for (Path typeDir : list(folder)) {
            String type = typeDir.getFileName().toString();
            if (!Files.isDirectory(typeDir) || !TYPE.matcher(type).matches()) {
                errors.add(new ConfigError(display(dir, typeDir), 1, "", "contracts are files contracts/<type>/<version>.json, with a dotted lower-case type such as acme.furnace.alarm"));
                continue;
            }
            for (Path file : list(typeDir)) {
                String name = file.getFileName().toString();
                String version = name.endsWith(".json") ? name.substring(0, name.length() - 5) : name;
                if (!name.endsWith(".json") || !PlantContract.isVersion(version)) {
                    errors.add(new ConfigError(display(dir, file), 1, "", "a contract file is named <version>.json with a version like v1 or v1.2"));
                    continue;
                }
                ContractCatalog.EventType known = catalog.types().get(type);
                if (known != null && known.version(version) != null) {
                    errors.add(new ConfigError(display(dir, file), 1, "", type + " " + version + " is a catalog version; a plant adds new versions only"));
                    continue;
                }
                try {
                    JsonNode schema = Json.MAPPER.readTree(file.toFile());
                    if (!schema.isObject()) {
                        errors.add(new ConfigError(display(dir, file), 1, "", "a contract is a JSON Schema object"));
                        continue;
                    }
                    out.add(new PlantContract(type, version, display(dir, file), schema));
                } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
                    int line = e.getLocation() == null ? 1 : e.getLocation().getLineNr();
                    errors.add(new ConfigError(display(dir, file), line, "", "not valid JSON: " + e.getOriginalMessage()));
                } catch (IOException e) {
                    errors.add(new ConfigError(display(dir, file), 1, "", "cannot be read: " + e.getMessage()));
                }
            }
        }
        if (errors.size() > before) return out;
        for (String problem : catalog.incompatibilities(out)) {
            int colon = problem.indexOf(": ");
            String rest = problem.substring(colon + 2);
            int fieldEnd = rest.indexOf(": ");
            errors.add(new ConfigError(problem.substring(0, colon), 1, rest.substring(0, fieldEnd), rest.substring(fieldEnd + 2)));
        }
        try {
            new Contracts(catalog.withPlantContracts(out), false).checkExamples()
                    .forEach(p -> errors.add(new ConfigError(p.file(), 1, p.field(), p.message())));
        } catch (RuntimeException e) {
            errors.add(new ConfigError("contracts", 1, "", "a contract schema does not compile: " + e.getMessage()));
        }
        return List.copyOf(out);
    }

    private static void checkName(Path dir, Path file, String name, List<ConfigError> errors) {
        String expected = file.getFileName().toString().replaceFirst("\\.ya?ml$", "");
        if (!NAME.matcher(name).matches()) {
            errors.add(new ConfigError(display(dir, file), 1, "name", "'" + name + "' must be lower-case letters, digits and '-'"));
        } else if (!name.equals(expected)) {
            errors.add(new ConfigError(display(dir, file), 1, "name", "'" + name + "' must match the file name '" + expected + "'"));
        }
    }

    /** One YAML file of the plant folder validated against its spec; null (with errors added) when unusable. */
    public static Map<String, Object> read(Path dir, Path file, Spec.Obj spec, List<ConfigError> errors,
                                           Function<String, String> env) {
        return read(dir, file, spec, errors, env, Overlay.NONE);
    }

    private static Map<String, Object> read(Path dir, Path file, Spec.Obj spec, List<ConfigError> errors,
                                            Function<String, String> env, Overlay overlay) {
        Node root = compose(dir, file, errors, overlay);
        return root == null ? null : validate(dir, file, root, spec, errors, env, overlay);
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> validate(Path dir, Path file, Node root, Spec.Obj spec, List<ConfigError> errors,
                                                Function<String, String> env, Overlay overlay) {
        String display = display(dir, file);
        return (Map<String, Object>) new SpecValidator(node -> overlay.fileOf(node, display), errors, env).validate(root, spec, "");
    }

    /** The file's YAML tree, with the environment's values for it merged in. */
    private static Node compose(Path dir, Path file, List<ConfigError> errors, Overlay overlay) {
        return overlay.apply(display(dir, file), compose(dir, file, errors));
    }

    private static Node compose(Path dir, Path file, List<ConfigError> errors) {
        LoaderOptions options = new LoaderOptions();
        options.setAllowDuplicateKeys(false);
        // Test files reuse a trigger and its follow-up events across cases; a bound still stops an alias bomb.
        options.setMaxAliasesForCollections(25);
        try (Reader reader = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            Node node = new Yaml(options).compose(reader);
            if (node == null) errors.add(new ConfigError(display(dir, file), 1, "", "the file is empty"));
            return node;
        } catch (MarkedYAMLException e) {
            int line = e.getProblemMark() == null ? 1 : e.getProblemMark().getLine() + 1;
            errors.add(new ConfigError(display(dir, file), line, "", "not valid YAML: " + e.getProblem()));
        } catch (IOException | RuntimeException e) {
            errors.add(new ConfigError(display(dir, file), 1, "", "cannot be read: " + e.getMessage()));
        }
        return null;
    }

    private static List<Path> yamlFiles(Path folder) {
        return list(folder).stream().filter(p -> p.toString().endsWith(".yaml") || p.toString().endsWith(".yml")).toList();
    }

    /** A folder's entries in name order; none when it does not exist. */
    private static List<Path> list(Path folder) {
        if (!Files.isDirectory(folder)) return List.of();
        try (Stream<Path> entries = Files.list(folder)) {
            return entries.sorted().toList();
        } catch (IOException e) {
            throw new IllegalStateException("cannot list " + folder, e);
        }
    }

    /** The line of a nested key in a composed file, for errors found after validation. */
    private static int line(Node root, String... keys) {
        Node node = root;
        for (String key : keys) {
            if (!(node instanceof MappingNode mapping)) break;
            Node next = null;
            for (NodeTuple t : mapping.getValue()) {
                if (t.getKeyNode() instanceof ScalarNode s && s.getValue().equals(key)) next = t.getValueNode();
            }
            if (next == null) break;
            node = next;
        }
        return node.getStartMark().getLine() + 1;
    }

    /** The line of the key {@code key} in the mapping at {@code parent} (where a block mapping's value starts a line below). */
    private static int keyLine(Node root, String parent, String key) {
        if (root instanceof MappingNode top) {
            for (NodeTuple t : top.getValue()) {
                if (t.getKeyNode() instanceof ScalarNode p && p.getValue().equals(parent) && t.getValueNode() instanceof MappingNode m) {
                    for (NodeTuple k : m.getValue()) {
                        if (k.getKeyNode() instanceof ScalarNode s && s.getValue().equals(key)) return s.getStartMark().getLine() + 1;
                    }
                }
            }
        }
        return line(root, parent, key);
    }

    private static String display(Path dir, Path file) {
        return dir.relativize(file).toString();
    }
}
