package dev.millwright.flow;

import dev.millwright.config.SystemConfig;
import dev.millwright.config.spec.ConfigError;
import dev.millwright.config.spec.SpecValidator;
import dev.millwright.mapping.Mapping;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.error.MarkedYAMLException;
import org.yaml.snakeyaml.nodes.MappingNode;
import org.yaml.snakeyaml.nodes.Node;
import org.yaml.snakeyaml.nodes.NodeTuple;
import org.yaml.snakeyaml.nodes.ScalarNode;
import org.yaml.snakeyaml.nodes.SequenceNode;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Reads a flow file: the spec checks its shape, then the flow is checked as a program (one kind per step, known jump
 * targets, every step reachable, no loop without a wait, expressions that compile) and against the plant (known
 * systems and operations). Every problem is reported with file, line and key.
 */
public final class FlowFiles {
    private FlowFiles() {
    }

    /** Kinds that park an instance: a loop must pass one, or it would spin. */
    private static final java.util.Set<String> PAUSING = java.util.Set.of("wait", "signal", "delay", "until", "call", "parallel");

    /**
     * @param systems the plant's systems, to check calls and lookups against; null when reading a stored older version
     *                (checked when it was loaded)
     * @return the flow, or null when it has errors (added to {@code errors})
     */
    @SuppressWarnings("unchecked")
    public static Flow parse(String file, String text, Map<String, SystemConfig> systems, List<ConfigError> errors) {
        int before = errors.size();
        Node root = compose(file, text, errors);
        if (root == null) return null;
        SpecValidator validator = new SpecValidator(file, errors, noEnvironment -> null);
        Map<String, Object> tree = (Map<String, Object>) validator.validate(root, FlowSpec.SHELL, "");
        if (tree == null) return null;
        Node stepsNode = stepsNode(root);
        if (!(stepsNode instanceof SequenceNode seq) || seq.getValue().isEmpty()) {
            if (tree.containsKey("steps")) errors.add(new ConfigError(file, stepsNode == null ? 1 : stepsNode.getStartMark().getLine() + 1, "steps",
                    "must be a non-empty list of steps"));
            return null;
        }
        List<Map<String, Object>> stepTrees = new ArrayList<>();
        for (int i = 0; i < seq.getValue().size(); i++) {
            stepTrees.add((Map<String, Object>) validator.validate(seq.getValue().get(i), FlowSpec.STEP, "steps[" + i + "]"));
        }
        if (tree.get("trigger") == null) return null;
        Checker check = new Checker(file, root, errors);
        String name = (String) tree.get("name");
        Map<String, Object> trigger = (Map<String, Object>) tree.get("trigger");
        Flow.Trigger t = new Flow.Trigger((String) trigger.get("on"), check.expr(trigger, "when", "trigger", "when"),
                check.expr(trigger, "key", "trigger", "key"), (String) trigger.get("key"), "deliver".equals(trigger.get("onActive")));
        List<Flow.Step> steps = new ArrayList<>();
        Map<String, Flow.Step> byId = new LinkedHashMap<>();
        for (int i = 0; i < stepTrees.size(); i++) {
            Map<String, Object> s = stepTrees.get(i);
            if (s == null) continue; // its errors are reported
            String id = (String) s.get("id");
            List<String> kinds = FlowSpec.KINDS.stream().filter(s::containsKey).toList();
            if (kinds.size() != 1) {
                check.error("step '" + id + "' " + (kinds.isEmpty()
                        ? "has no kind: give it one of " + String.join(", ", FlowSpec.KINDS)
                        : "has " + kinds.size() + " kinds (" + String.join(", ", kinds) + "): a step does one thing"),
                        kinds.isEmpty() ? new Object[]{"steps", i} : new Object[]{"steps", i, kinds.get(1)});
                continue;
            }
            Flow.Kind kind = check.kind(kinds.getFirst(), s, "steps", i);
            Flow.Kind compensate = null;
            if (s.get("compensate") instanceof Map<?, ?> comp && !comp.isEmpty()) { // absent: the validator fills in an empty section
                @SuppressWarnings("unchecked")
                Map<String, Object> c = (Map<String, Object>) comp;
                List<String> ck = java.util.stream.Stream.of("call", "emit").filter(c::containsKey).toList();
                if (ck.size() != 1) {
                    check.error("step '" + id + "': compensate gives exactly one of call, emit", "steps", i, "compensate");
                } else {
                    compensate = check.kind(ck.getFirst(), c, "steps", i, "compensate");
                }
            }
            Flow.Step step = new Flow.Step(id, kind, (String) s.get("as"), (String) s.get("next"), (String) s.get("onError"), compensate);
            if (byId.putIfAbsent(id, step) != null) {
                check.error("step id '" + id + "' is used twice", "steps", i, "id");
            }
            steps.add(step);
        }
        if (errors.size() > before) return null;
        List<Flow.Kpi> kpis = new ArrayList<>();
        List<Map<String, Object>> kpiTrees = tree.get("kpis") == null ? List.of() : (List<Map<String, Object>>) tree.get("kpis");
        for (int i = 0; i < kpiTrees.size(); i++) {
            Map<String, Object> k = kpiTrees.get(i);
            String kpiName = (String) k.get("name"), from = (String) k.get("from"), to = (String) k.get("to");
            if (!kpiName.matches("[a-z][a-z0-9_]{0,62}")) check.error("'" + kpiName + "' must be lower-case letters, digits and _", "kpis", i, "name");
            if (!from.equals("start") && !byId.containsKey(from)) check.error("no step '" + from + "' (or start)", "kpis", i, "from");
            if (!to.equals("end") && !byId.containsKey(to)) check.error("no step '" + to + "' (or end)", "kpis", i, "to");
            kpis.add(new Flow.Kpi(kpiName, (String) k.get("description"), from, to));
        }
        if (errors.size() > before) return null;
        Flow flow = new Flow(name, (String) tree.get("description"), version(text), text, t, List.copyOf(steps), Map.copyOf(byId),
                "compensate".equals(tree.get("onFailure")), List.copyOf(kpis));
        checkProgram(flow, check);
        if (systems != null) checkSystems(flow, systems, check);
        return errors.size() > before ? null : flow;
    }

    private static Node stepsNode(Node root) {
        if (!(root instanceof MappingNode map)) return null;
        for (NodeTuple t : map.getValue()) {
            if (t.getKeyNode() instanceof ScalarNode k && k.getValue().equals("steps")) return t.getValueNode();
        }
        return null;
    }

    /** A version is the text's content hash: the same file is the same version on every node. */
    static String version(String text) {
        try {
            byte[] hash = MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(hash, 0, 6);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Jumps go to known steps; every step is reachable from the first; every loop passes a step that waits. */
    private static void checkProgram(Flow flow, Checker check) {
        List<Flow.Step> steps = flow.steps();
        Map<String, List<String>> edges = new HashMap<>();
        for (int i = 0; i < steps.size(); i++) {
            Flow.Step s = steps.get(i);
            List<String> out = new ArrayList<>();
            String after = flow.after(s);
            jump(flow, check, i, "next", s.next(), out);
            if (s.next() == null && after != null && !(s.kind() instanceof Flow.End) && !(s.kind() instanceof Flow.Fail)) out.add(after);
            jump(flow, check, i, "onError", s.onError(), out);
            switch (s.kind()) {
                case Flow.If f -> {
                    jump(flow, check, i, "if.then", f.then(), out);
                    jump(flow, check, i, "if.else", f.otherwise(), out);
                }
                case Flow.Switch w -> {
                    for (int k = 0; k < w.cases().size(); k++) {
                        Flow.Case cs = w.cases().get(k);
                        if (!flow.byId().containsKey(cs.target())) {
                            check.error("no step '" + cs.target() + "' in this flow; its steps: " + String.join(", ", flow.byId().keySet().stream().sorted().toList()),
                                    "steps", i, "switch", "cases", k, "goto");
                        } else {
                            out.add(cs.target());
                        }
                    }
                    jump(flow, check, i, "switch.default", w.otherwise(), out);
                }
                case Flow.Wait w -> jump(flow, check, i, "wait.onTimeout", w.onTimeout(), out);
                case Flow.Signal g -> jump(flow, check, i, "signal.onTimeout", g.onTimeout(), out);
                default -> {
                }
            }
            if (s.kind() instanceof Flow.End || s.kind() instanceof Flow.Fail) {
                if (s.next() != null) check.error("step '" + s.id() + "' ends the instance: it has no next", "steps", i, "next");
            }
            edges.put(s.id(), out);
        }
        // Reachable from the first step.
        java.util.Set<String> seen = new HashSet<>();
        ArrayDeque<String> todo = new ArrayDeque<>(List.of(flow.first().id()));
        while (!todo.isEmpty()) {
            String id = todo.pop();
            if (seen.add(id)) edges.getOrDefault(id, List.of()).forEach(todo::push);
        }
        for (int i = 0; i < steps.size(); i++) {
            if (!seen.contains(steps.get(i).id())) {
                check.error("step '" + steps.get(i).id() + "' is unreachable: no step leads to it", "steps", i, "id");
            }
        }
        // A cycle among steps that never park would spin: find one through the steps that do not wait.
        Map<String, Integer> state = new HashMap<>();
        for (Flow.Step s : steps) {
            List<String> cycle = cycleFrom(s.id(), flow, edges, state, new ArrayList<>());
            if (cycle != null) {
                int i = steps.indexOf(flow.byId().get(cycle.getFirst()));
                check.error("the loop " + String.join(" → ", cycle) + " → " + cycle.getFirst()
                        + " has no wait, signal, delay or call: it would run forever", "steps", i);
                return;
            }
        }
        if (flow.trigger().deliverWhenActive() && flow.waits().stream().noneMatch(w -> ((Flow.Wait) w.kind()).on().equals(flow.trigger().on()))) {
            check.error("deliver needs a wait on '" + flow.trigger().on() + "' to deliver to", "trigger", "onActive");
        }
    }

    private static List<String> cycleFrom(String id, Flow flow, Map<String, List<String>> edges, Map<String, Integer> state, List<String> path) {
        if (PAUSING.contains(flow.byId().get(id).kind().name())) return null;
        Integer st = state.get(id);
        if (st != null && st == 2) return null;
        if (st != null && st == 1) return new ArrayList<>(path.subList(path.indexOf(id), path.size()));
        state.put(id, 1);
        path.add(id);
        for (String next : edges.getOrDefault(id, List.of())) {
            if (!flow.byId().containsKey(next)) continue;
            List<String> c = cycleFrom(next, flow, edges, state, path);
            if (c != null) return c;
        }
        path.removeLast();
        state.put(id, 2);
        return null;
    }

    private static void jump(Flow flow, Checker check, int i, String key, String target, List<String> out) {
        if (target == null) return;
        if (!flow.byId().containsKey(target)) {
            check.error("no step '" + target + "' in this flow; its steps: " + String.join(", ", flow.byId().keySet().stream().sorted().toList()),
                    path("steps", i, key));
        } else {
            out.add(target);
        }
    }

    private static Object[] path(String first, int i, String dotted) {
        List<Object> p = new ArrayList<>(List.of(first, i));
        p.addAll(List.of((Object[]) dotted.split("\\.")));
        return p.toArray();
    }

    private static void checkSystems(Flow flow, Map<String, SystemConfig> systems, Checker check) {
        for (int i = 0; i < flow.steps().size(); i++) {
            Flow.Step s = flow.steps().get(i);
            checkCallable(s.kind(), systems, check, "steps", i, s.kind().name());
            if (s.compensate() != null) checkCallable(s.compensate(), systems, check, "steps", i, "compensate", s.compensate().name());
            if (s.kind() instanceof Flow.Escalate e && e.notice() != null) {
                checkCallable(e.notice(), systems, check, "steps", i, "escalate", "notify");
            }
            if (s.kind() instanceof Flow.Parallel p) {
                for (var b : p.branches().entrySet()) checkCallable(b.getValue(), systems, check, "steps", i, "parallel", "branches", b.getKey(), b.getValue().name());
            }
        }
    }

    private static void checkCallable(Flow.Kind kind, Map<String, SystemConfig> systems, Checker check, Object... at) {
        String system, operation;
        boolean get;
        if (kind instanceof Flow.Call c) {
            system = c.system();
            operation = c.operation();
            get = false;
        } else if (kind instanceof Flow.Lookup l) {
            system = l.system();
            operation = l.operation();
            get = true;
        } else {
            return;
        }
        SystemConfig target = systems.get(system);
        Object[] systemAt = append(at, "system");
        if (target == null) {
            check.error("unknown system '" + system + "'; known systems: " + String.join(", ", systems.keySet().stream().sorted().toList()), systemAt);
            return;
        }
        Map<String, String> operations = target.outbound() == null ? Map.of() : target.outbound().operationMethods();
        if (get && (target.outbound() == null || !target.outbound().kind().equals("http"))) {
            check.error("system '" + system + "' has no outbound.http to look up with", systemAt);
            return;
        }
        if (!get && target.outbound() == null) {
            check.error("system '" + system + "' has no outbound section (" + dev.millwright.connector.Connectors.outboundNames() + ") to call", systemAt);
            return;
        }
        if (operation == null) return;
        Object[] opAt = append(at, "operation");
        String method = operations.get(operation);
        if (method == null) {
            check.error("system '" + system + "' has no operation '" + operation + "'" + (operations.isEmpty() ? ""
                    : "; its operations: " + String.join(", ", operations.keySet())), opAt);
        } else if (get && !method.equals("GET")) {
            check.error("'" + operation + "' is a " + method + " operation: a lookup needs a GET", opAt);
        } else if (!get && method.equals("GET")) {
            check.error("'" + operation + "' is a GET operation: use a lookup step to read with it", opAt);
        }
    }

    private static Object[] append(Object[] at, Object key) {
        Object[] out = java.util.Arrays.copyOf(at, at.length + 1);
        out[at.length] = key;
        return out;
    }

    private static Node compose(String file, String text, List<ConfigError> errors) {
        LoaderOptions options = new LoaderOptions();
        options.setAllowDuplicateKeys(false);
        options.setMaxAliasesForCollections(10);
        try {
            Node node = new Yaml(options).compose(new java.io.StringReader(text));
            if (node == null) errors.add(new ConfigError(file, 1, "", "the file is empty"));
            return node;
        } catch (MarkedYAMLException e) {
            int line = e.getProblemMark() == null ? 1 : e.getProblemMark().getLine() + 1;
            errors.add(new ConfigError(file, line, "", "not valid YAML: " + e.getProblem()));
            return null;
        }
    }

    /** Builds steps from validated trees, compiling expressions; every problem is located in the file. */
    private static final class Checker {
        private final String file;
        private final Node root;
        private final List<ConfigError> errors;

        Checker(String file, Node root, List<ConfigError> errors) {
            this.file = file;
            this.root = root;
            this.errors = errors;
        }

        /** @param at keys and list indexes from the root to the node the error is about: its key and line */
        void error(String message, Object... at) {
            StringBuilder dotted = new StringBuilder();
            for (Object o : at) {
                if (o instanceof Integer n) dotted.append('[').append(n).append(']');
                else dotted.append(dotted.isEmpty() ? "" : ".").append(o);
            }
            errors.add(new ConfigError(file, line(at), dotted.toString(), message));
        }

        /** The line of the deepest node on the path that exists. */
        int line(Object... at) {
            Node node = root;
            for (Object o : at) {
                Node next = null;
                if (o instanceof Integer n && node instanceof SequenceNode seq && n < seq.getValue().size()) {
                    next = seq.getValue().get(n);
                } else if (o instanceof String k && node instanceof MappingNode map) {
                    for (NodeTuple t : map.getValue()) {
                        if (t.getKeyNode() instanceof ScalarNode s && s.getValue().equals(k)) next = t.getValueNode();
                    }
                }
                if (next == null) break;
                node = next;
            }
            return node.getStartMark().getLine() + 1;
        }

        Mapping expr(Map<String, Object> tree, String key, Object... at) {
            Object text = tree.get(key);
            if (text == null) return null;
            try {
                return Mapping.compile(String.valueOf(text), String.valueOf(text));
            } catch (Mapping.MappingException e) {
                error("is not a valid JSONata expression: " + e.getMessage() + (e.position() >= 0 ? " (at character " + e.position() + ")" : ""),
                        append(at, key));
                return null;
            }
        }

        @SuppressWarnings("unchecked")
        Flow.Kind kind(String kind, Map<String, Object> step, Object... at) {
            Object value = step.get(kind);
            Object[] here = append(at, kind);
            return switch (kind) {
                case "call" -> {
                    Map<String, Object> c = (Map<String, Object>) value;
                    yield new Flow.Call((String) c.get("system"), (String) c.get("operation"), expr(c, "data", here), (String) c.get("type"),
                            expr(c, "subject", here));
                }
                case "lookup" -> {
                    Map<String, Object> c = (Map<String, Object>) value;
                    yield new Flow.Lookup((String) c.get("system"), (String) c.get("operation"), expr(c, "key", here), (Integer) c.get("attempts"),
                            (Duration) c.get("retryEvery"));
                }
                case "emit" -> {
                    Map<String, Object> c = (Map<String, Object>) value;
                    yield new Flow.Emit((String) c.get("type"), expr(c, "data", here), expr(c, "subject", here));
                }
                case "wait" -> {
                    Map<String, Object> c = (Map<String, Object>) value;
                    yield new Flow.Wait((String) c.get("on"), expr(c, "key", here), expr(c, "equals", here), expr(c, "match", here),
                            (Boolean) c.get("consume"), (Duration) c.get("keepFor"), (Duration) c.get("timeout"), (String) c.get("onTimeout"));
                }
                case "signal" -> {
                    Map<String, Object> c = (Map<String, Object>) value;
                    yield new Flow.Signal((String) c.get("name"), (Duration) c.get("timeout"), (String) c.get("onTimeout"));
                }
                case "delay" -> new Flow.Delay((Duration) value);
                case "until" -> new Flow.Until(expr(step, "until", at));
                case "if" -> {
                    Map<String, Object> c = (Map<String, Object>) value;
                    yield new Flow.If(expr(c, "condition", here), (String) c.get("then"), (String) c.get("else"));
                }
                case "switch" -> {
                    Map<String, Object> c = (Map<String, Object>) value;
                    List<Map<String, Object>> cases = (List<Map<String, Object>>) c.get("cases");
                    List<Flow.Case> out = new ArrayList<>();
                    for (int k = 0; k < cases.size(); k++) {
                        out.add(new Flow.Case(expr(cases.get(k), "when", append(append(here, "cases"), k)), (String) cases.get(k).get("goto")));
                    }
                    yield new Flow.Switch(out, (String) c.get("default"));
                }
                case "set" -> {
                    Map<String, Object> c = (Map<String, Object>) value;
                    Map<String, Mapping> values = new LinkedHashMap<>();
                    c.keySet().forEach(k -> values.put(k, expr(c, k, here)));
                    yield new Flow.Set(values);
                }
                case "parallel" -> {
                    Map<String, Object> c = (Map<String, Object>) value;
                    Map<String, Flow.Kind> branches = new LinkedHashMap<>();
                    ((Map<String, Object>) c.get("branches")).forEach((name, branch) -> {
                        Map<String, Object> b = (Map<String, Object>) branch;
                        List<String> kinds = java.util.stream.Stream.of("call", "emit").filter(b::containsKey).toList();
                        Object[] branchAt = append(append(here, "branches"), name);
                        if (kinds.size() != 1) error("branch '" + name + "' gives exactly one of call, emit", branchAt);
                        else branches.put(name, kind(kinds.getFirst(), b, branchAt));
                    });
                    if (branches.isEmpty() && ((Map<String, Object>) c.get("branches")).isEmpty()) error("give at least one branch", append(here, "branches"));
                    yield new Flow.Parallel(branches, "any".equals(c.get("join")));
                }
                case "escalate" -> {
                    Map<String, Object> c = (Map<String, Object>) value;
                    yield new Flow.Escalate(expr(c, "reason", here), c.get("notify") == null ? null : (Flow.Call) kind("call",
                            Map.of("call", c.get("notify")), append(here, "notify")));
                }
                case "fail" -> new Flow.Fail(expr((Map<String, Object>) value, "reason", here));
                case "end" -> {
                    if (!Boolean.TRUE.equals(value)) error("write end: true", append(at, "end"));
                    yield new Flow.End();
                }
                default -> throw new IllegalStateException("unhandled kind " + kind);
            };
        }
    }
}
