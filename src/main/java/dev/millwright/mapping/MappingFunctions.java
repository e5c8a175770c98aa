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

    public MappingFunctions(XrefLookup xref, Map<String, ValueMap> valueMaps, Clock clock, String plant) {
        this.xref = xref;
        this.valueMaps = valueMaps;
        this.clock = clock;
        this.plant = plant;
    }

    void bind(Jsonata.Frame frame) {
        frame.bind("xref", new Jsonata.JFunction((input, args) -> xref(args), "<ssss:s>"));
        frame.bind("lookup", (Jsonata.Fn2<String, String, String>) this::lookup);
        frame.bind("now", (Jsonata.Fn0<String>) () -> clock.instant().toString());
        frame.bind("uuid", (Jsonata.Fn0<String>) () -> UUID.randomUUID().toString());
        frame.bind("plant", (Jsonata.Fn0<String>) () -> plant);
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
