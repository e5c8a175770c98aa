package dev.millwright.inbound;

import dev.millwright.config.SystemConfig;
import dev.millwright.inbound.file.FolderInbound;
import dev.millwright.inbound.kafka.KafkaInbound;
import dev.millwright.inbound.mqtt.MqttInbound;
import dev.millwright.inbound.opcua.OpcUaInbound;
import dev.millwright.metrics.HubMetrics;

import java.time.Clock;
import java.util.ArrayList;
import java.util.List;

/** The inbound readers a system declares (files, mqtt, kafka, opcua); webhooks are served by the API. */
public final class Readers {
    private Readers() {
    }

    /** @param inbox where they hand payloads; null when the readers are only made to check connectivity */
    public static List<InboundConnector.Reader> of(SystemConfig s, Inbox inbox, Clock clock, HubMetrics metrics) {
        List<InboundConnector.Reader> readers = new ArrayList<>();
        if (s.inbound().files() != null) readers.add(new FolderInbound(s.name(), s.inbound().files(), inbox, clock));
        if (s.inbound().mqtt() != null) readers.add(new MqttInbound(s.name(), s.inbound().mqtt(), inbox, metrics));
        if (s.inbound().kafka() != null) readers.add(new KafkaInbound(s.name(), s.inbound().kafka(), inbox));
        if (s.inbound().opcua() != null) readers.add(new OpcUaInbound(s.name(), s.inbound().opcua(), inbox, metrics));
        return readers;
    }
}
