package dev.millwright.inbound;

import dev.millwright.config.SystemConfig;
import dev.millwright.metrics.HubMetrics;

import java.time.Clock;
import java.util.ArrayList;
import java.util.List;

/** The inbound readers a system declares, made by their kinds (see Connectors); webhooks are served by the API. */
public final class Readers {
    private Readers() {
    }

    /** @param inbox where they hand payloads; null when the readers are only made to check connectivity */
    public static List<InboundConnector.Reader> of(SystemConfig s, Inbox inbox, Clock clock, HubMetrics metrics) {
        List<InboundConnector.Reader> readers = new ArrayList<>();
        for (SystemConfig.InboundChannel channel : s.inbound().channels()) {
            // Every inbound kind reads its section into an InboundConnector.Channel (Connector.inbound's type).
            InboundConnector.Reader reader = ((InboundConnector.Channel) channel).reader(s.name(), inbox, clock, metrics);
            if (reader != null) readers.add(reader);
        }
        return readers;
    }
}
