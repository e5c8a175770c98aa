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
        for (SystemConfig.InboundChannel channel : s.inbound().channels()) {
            // Exhaustive over the sealed channel kinds: a new kind does not compile until it has its reader here.
            switch (channel) {
                case SystemConfig.InboundHttp ignored -> { } // webhooks: served by the API
                case SystemConfig.InboundFiles files -> readers.add(new FolderInbound(s.name(), files, inbox, clock));
                case SystemConfig.InboundMqtt mqtt -> readers.add(new MqttInbound(s.name(), mqtt, inbox, metrics));
                case SystemConfig.InboundKafka kafka -> readers.add(new KafkaInbound(s.name(), kafka, inbox));
                case SystemConfig.InboundOpcUa opcua -> readers.add(new OpcUaInbound(s.name(), opcua, inbox, metrics));
            }
        }
        return readers;
    }
}
