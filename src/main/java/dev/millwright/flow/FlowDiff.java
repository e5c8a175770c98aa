package dev.millwright.flow;

import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/** What changed between two versions of a flow file, step by step, as people read it. */
public final class FlowDiff {
    private FlowDiff() {
    }

    /** One line per change: the trigger, steps added, removed or changed (by id), other settings. */
    public static List<String> describe(String before, String after) {
        Map<String, Object> a = load(before), b = load(after);
        List<String> out = new ArrayList<>();
        if (!Objects.equals(a.get("trigger"), b.get("trigger"))) out.add("trigger changed: " + a.get("trigger") + " → " + b.get("trigger"));
        Map<String, Object> stepsA = steps(a), stepsB = steps(b);
        stepsA.forEach((id, step) -> {
            if (!stepsB.containsKey(id)) out.add("step '" + id + "' removed");
            else if (!step.equals(stepsB.get(id))) out.add("step '" + id + "' changed");
        });
        stepsB.keySet().stream().filter(id -> !stepsA.containsKey(id)).forEach(id -> out.add("step '" + id + "' added"));
        if (!new ArrayList<>(stepsA.keySet()).equals(new ArrayList<>(stepsB.keySet())) && out.stream().noneMatch(l -> l.endsWith("added") || l.endsWith("removed"))) {
            out.add("steps reordered");
        }
        for (String key : List.of("onFailure", "kpis")) {
            if (!Objects.equals(a.get(key), b.get(key))) out.add(key + " changed");
        }
        if (out.isEmpty()) out.add("comments or layout only");
        return out;
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> load(String text) {
        Object tree = new Yaml(new LoaderOptions()).load(text);
        return tree instanceof Map<?, ?> m ? (Map<String, Object>) m : Map.of();
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> steps(Map<String, Object> flow) {
        Map<String, Object> out = new LinkedHashMap<>();
        if (flow.get("steps") instanceof List<?> list) {
            for (Object s : list) {
                if (s instanceof Map<?, ?> step) out.put(String.valueOf(step.get("id")), step);
            }
        }
        return out;
    }
}
