package dev.millwright.flow;

import dev.millwright.mapping.Mapping;

import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * A flow definition as loaded from flows/NAME.yaml, its expressions compiled. {@code version} is a hash of the file's
 * text: an instance runs to its end on the version it started with.
 */
public record Flow(String name, String description, String version, String source, Trigger trigger, List<Step> steps,
                   Map<String, Step> byId, boolean compensateOnFailure, List<Kpi> kpis) {

    /** A duration between two points of each instance: from its start or a step's completion, to a step's completion or its end. */
    public record Kpi(String name, String description, String from, String to) {
    }

    public record Trigger(String on, Mapping when, Mapping key, String keyText, boolean deliverWhenActive) {
        public boolean matches(String type) {
            return typeMatches(on, type);
        }
    }

    /** Exact, 'family.*', or '*'. */
    static boolean typeMatches(String pattern, String type) {
        if (pattern.equals("*")) return true;
        if (pattern.endsWith(".*")) return type.startsWith(pattern.substring(0, pattern.length() - 1));
        return pattern.equals(type);
    }

    /** One step: its id, what it does, where it goes next, and what undoes it (null: nothing). */
    public record Step(String id, Kind kind, String as, String next, String onError, Kind compensate) {
        public String resultVar() {
            return as != null ? as : id;
        }
    }

    public Step first() {
        return steps.getFirst();
    }

    /** The step after {@code step} when it names none: the next in the list, or null after the last (the instance completes). */
    public String after(Step step) {
        if (step.next() != null) return step.next();
        int i = steps.indexOf(step);
        return i + 1 < steps.size() ? steps.get(i + 1).id() : null;
    }

    /** Every wait step of this flow, for the routing stage's inbox. */
    public List<Step> waits() {
        return steps.stream().filter(s -> s.kind() instanceof Wait).toList();
    }

    public sealed interface Kind {
        String name();
    }

    public record Call(String system, String operation, Mapping data, String type, Mapping subject) implements Kind {
        public String name() {
            return "call";
        }
    }

    /** A synchronous GET; while the system cannot answer it is asked {@code attempts} times, {@code retryEvery} apart. */
    public record Lookup(String system, String operation, Mapping key, int attempts, Duration retryEvery) implements Kind {
        public String name() {
            return "lookup";
        }
    }

    public record Emit(String type, Mapping data, Mapping subject) implements Kind {
        public String name() {
            return "emit";
        }
    }

    /** @param key over the arriving event; @param equals over the instance, when the wait starts (null: the correlation key) */
    public record Wait(String on, Mapping key, Mapping equals, Mapping match, boolean consume, Duration keepFor, Duration timeout,
                       String onTimeout) implements Kind {
        public String name() {
            return "wait";
        }
    }

    public record Signal(String signal, Duration timeout, String onTimeout) implements Kind {
        public String name() {
            return "signal";
        }
    }

    public record Delay(Duration delay) implements Kind {
        public String name() {
            return "delay";
        }
    }

    public record Until(Mapping time) implements Kind {
        public String name() {
            return "until";
        }
    }

    public record If(Mapping condition, String then, String otherwise) implements Kind {
        public String name() {
            return "if";
        }
    }

    public record Switch(List<Case> cases, String otherwise) implements Kind {
        public String name() {
            return "switch";
        }
    }

    public record Case(Mapping when, String target) {
    }

    public record Set(Map<String, Mapping> values) implements Kind {
        public String name() {
            return "set";
        }
    }

    /** Branches by name (each a Call or an Emit), sent at once; {@code any}: go on at the first delivered. */
    public record Parallel(Map<String, Kind> branches, boolean any) implements Kind {
        public String name() {
            return "parallel";
        }
    }

    /** @param notice a call sent and not waited for (null: none): the `notify` key */
    public record Escalate(Mapping reason, Call notice) implements Kind {
        public String name() {
            return "escalate";
        }
    }

    public record Fail(Mapping reason) implements Kind {
        public String name() {
            return "fail";
        }
    }

    public record End() implements Kind {
        public String name() {
            return "end";
        }
    }
}
