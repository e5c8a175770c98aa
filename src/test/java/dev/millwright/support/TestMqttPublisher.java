package dev.millwright.support;

import com.hivemq.client.mqtt.MqttClient;
import com.hivemq.client.mqtt.datatypes.MqttQos;
import com.hivemq.client.mqtt.mqtt5.Mqtt5AsyncClient;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

/** A shop-floor publisher: QoS 1, reconnecting by itself; remembers which publishes the broker acknowledged. */
public final class TestMqttPublisher implements AutoCloseable {
    public static final String TOPIC = "plant/line1/cnc07/state";

    private final Mqtt5AsyncClient client;
    /** Sequence numbers of publishes the broker acknowledged (PUBACK). */
    public final List<Integer> acked = new CopyOnWriteArrayList<>();

    public TestMqttPublisher(int port) {
        client = MqttClient.builder().useMqttVersion5().identifier("press-" + System.nanoTime()).serverHost("127.0.0.1").serverPort(port)
                .automaticReconnect().initialDelay(100, TimeUnit.MILLISECONDS).maxDelay(1, TimeUnit.SECONDS).applyAutomaticReconnect()
                .buildAsync();
        client.connectWith().cleanStart(false).sessionExpiryInterval(600).send().join();
    }

    public CompletableFuture<?> publish(String topic, int seq, String payload) {
        return client.publishWith().topic(topic).qos(MqttQos.AT_LEAST_ONCE).payload(payload.getBytes(StandardCharsets.UTF_8)).send()
                .thenRun(() -> acked.add(seq));
    }

    /** A machine state message {"state":"RUNNING","seq":N} on {@link #TOPIC}. */
    public CompletableFuture<?> publish(int seq) {
        return publish(TOPIC, seq, "{\"state\":\"RUNNING\",\"seq\":" + seq + "}");
    }

    @Override
    public void close() {
        client.disconnect();
    }
}
