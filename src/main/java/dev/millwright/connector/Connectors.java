package dev.millwright.connector;

import dev.millwright.inbound.file.InboundFiles;
import dev.millwright.inbound.http.InboundHttp;
import dev.millwright.inbound.kafka.InboundKafka;
import dev.millwright.inbound.mqtt.InboundMqtt;
import dev.millwright.inbound.opcua.InboundOpcUa;
import dev.millwright.outbound.file.FileOutbound;
import dev.millwright.outbound.http.HttpOutbound;
import dev.millwright.outbound.kafka.KafkaOutbound;
import dev.millwright.outbound.mqtt.MqttOutbound;

import java.util.List;

/**
 * Every connector kind, in one list. A kind is one package (inbound.KIND or outbound.KIND) holding its settings
 * record with its spec and its {@link Connector}, and its reader or target with the health check; adding a kind is
 * that package and one entry here. The system file's inbound and outbound sections, the reading of those sections
 * and docs/connectors/ are all made from this list.
 */
public final class Connectors {
    private Connectors() {
    }

    public static final List<Connector> ALL = List.of(
            InboundHttp.CONNECTOR,
            InboundFiles.CONNECTOR,
            InboundMqtt.CONNECTOR,
            InboundOpcUa.CONNECTOR,
            InboundKafka.CONNECTOR,
            HttpOutbound.CONNECTOR,
            KafkaOutbound.CONNECTOR,
            MqttOutbound.CONNECTOR,
            FileOutbound.CONNECTOR);

    /** The outbound kinds' names, for messages: "http, kafka, mqtt or file". */
    public static String outboundNames() {
        List<String> names = of("outbound").stream().map(Connector::name).toList();
        return names.size() < 2 ? String.join("", names)
                : String.join(", ", names.subList(0, names.size() - 1)) + " or " + names.getLast();
    }

    /** The kinds of one direction (inbound or outbound), in list order. */
    public static List<Connector> of(String direction) {
        return ALL.stream().filter(c -> c.direction().equals(direction)).toList();
    }
}
