package dev.millwright.mapping;

import com.dashjoin.jsonata.Jsonata;
import dev.millwright.xref.Xref;
import dev.millwright.xref.XrefLookup;

import java.time.Clock;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/**
 * The functions a mapping may call besides JSONata's own: $xref(entityType, fromSystem, localId, toSystem),
 * $lookup(valueMap, key), $now() (the hub's clock), $uuid(), $plant().
 */
public final class MappingFunctions {
    /** An id with no cross-reference entry: the message waits or dead-letters, per where the mapping is used. */
    public static final class Unresolved extends RuntimeException {
        public Unresolved(String message) {
            super(message, null, false, false);
        }
    }

    private final XrefLookup xref;
    private final Map<String, ValueMap> valueMaps;
    private final Clock clock;
    private final String plant;
    /** Systems a mapping may $fetch from, by name. */
    private final Map<String, ? extends Fetcher> fetchers;

    public MappingFunctions(XrefLookup xref, Map<String, ValueMap> valueMaps, Clock clock, String plant) {
        this(xref, valueMaps, clock, plant, Map.of());
    }

    /** @param fetchers the systems' outbound connectors; may be filled after this is made (they need the mappings too) */
    public MappingFunctions(XrefLookup xref, Map<String, ValueMap> valueMaps, Clock clock, String plant, Map<String, ? extends Fetcher> fetchers) {
        this.xref = xref;
        this.valueMaps = valueMaps;
        this.clock = clock;
        this.plant = plant;
        this.fetchers = fetchers;
    }

    /** @param missing collects "system.operation" of each $fetch that went on without its context */
    void bind(Jsonata.Frame frame, java.util.List<String> missing) {
        frame.bind("fetch", new Jsonata.JFunction((input, args) -> fetch(args, missing), "<sss:j>"));
        frame.bind("xref", new Jsonata.JFunction((input, args) -> xref(args), "<ssss:s>"));
        frame.bind("lookup", (Jsonata.Fn2<String, String, String>) this::lookup);
        frame.bind("now", (Jsonata.Fn0<String>) () -> clock.instant().toString());
        frame.bind("uuid", (Jsonata.Fn0<String>) () -> UUID.randomUUID().toString());
        frame.bind("plant", (Jsonata.Fn0<String>) () -> plant);
    }

    private Object fetch(List<?> args, java.util.List<String> missing) throws InterruptedException {
        if (args.size() != 3 || args.stream().anyMatch(a -> !(a instanceof String))) {
            throw new IllegalArgumentException("$fetch takes three strings: system, operation, key");
        }
        String system = (String) args.get(0), operation = (String) args.get(1), key = (String) args.get(2);
        Fetcher fetcher = fetchers.get(system);
        if (fetcher == null) throw new Mapping.MappingException("$fetch", -1, "no system '" + system + "' with outbound http to fetch from");
        try {
            return dev.millwright.event.Json.MAPPER.convertValue(fetcher.fetch(operation, key), Object.class);
        } catch (Fetcher.Unavailable e) {
            if (!e.proceed()) throw e;
            missing.add(system + "." + operation);
            return null;
        }
    }

    private String xref(List<?> args) {
        if (args.size() != 4 || args.stream().anyMatch(a -> !(a instanceof String))) {
            throw new IllegalArgumentException("$xref takes four strings: entityType, fromSystem, localId, toSystem");
        }
        String type = (String) args.get(0), from = (String) args.get(1), id = (String) args.get(2), to = (String) args.get(3);
        if (xref == null) throw new Unresolved("no cross-reference service (offline run)");
        return xref.resolve(type, from, id, to).orElseThrow(() -> new Unresolved(type + " '" + id + "' of " + from
                + " has no " + (to.equals(Xref.CANONICAL) ? "canonical id" : to + " id") + " in the cross-reference"));
    }

    private String lookup(String table, String key) {
        ValueMap map = valueMaps.get(table);
        if (map == null) throw new Mapping.MappingException("$lookup", -1, "no value map '" + table + "' (valuemaps/" + table + ".csv)");
        return map.lookup(key);
    }
}
