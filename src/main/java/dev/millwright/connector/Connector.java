package dev.millwright.connector;

import dev.millwright.config.spec.Spec;
import dev.millwright.delivery.Target;
import dev.millwright.inbound.InboundConnector;

import java.util.Map;
import java.util.function.Function;

/**
 * A connector kind as a system file names it (inbound.NAME or outbound.NAME): its settings, its docs page, what it
 * does, and how its section is read into the kind's channel — which makes the kind's reader (inbound) or target
 * (outbound). Each kind declares its own, in its package, beside its reader or target.
 */
public record Connector(String direction, String name, Spec.Obj spec, String page, String title, String summary,
                        Function<Map<String, Object>, ? extends InboundConnector.Channel> inbound,
                        Function<Map<String, Object>, ? extends Target.Channel> outbound) {

    public static Connector in(String name, Spec.Obj spec, String page, String title, String summary,
                               Function<Map<String, Object>, ? extends InboundConnector.Channel> read) {
        return new Connector("inbound", name, spec, page, title, summary, read, null);
    }

    public static Connector out(String name, Spec.Obj spec, String page, String title, String summary,
                                Function<Map<String, Object>, ? extends Target.Channel> read) {
        return new Connector("outbound", name, spec, page, title, summary, null, read);
    }
}
