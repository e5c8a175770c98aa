package dev.millwright.security;

import com.sun.net.httpserver.HttpServer;
import dev.millwright.support.HubClient;
import dev.millwright.support.TestHub;
import dev.millwright.support.TestMosquitto;
import dev.millwright.support.TestPlant;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.net.InetSocketAddress;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Secrets never reach a log line, a metric, a problem detail, the OpenAPI document or any API answer — even when the
 * systems holding them fail in ways that echo them back: a token endpoint that refuses the client and repeats its
 * credentials, a target that refuses an API key and repeats it, an MQTT broker that refuses the login.
 */
class SecretLeakTest {
    private static final String CLIENT_SECRET = "cs-LEAK-7f3a9e", API_KEY = "ak-LEAK-19d2b0", MQTT_PASSWORD = "mq-LEAK-55e1c4",
            PRODUCER_TOKEN = "pt-LEAK-c0ffee42", WEBHOOK_KEY = "wk-LEAK-beef77";

    @TempDir
    Path dir;

    @Test
    void noSecretInAnyLogLineMetricProblemOrAnswerWhenEverythingFails() throws Exception {
        ByteArrayOutputStream captured = new ByteArrayOutputStream();
        PrintStream original = System.err;
        // slf4j-simple writes to whatever System.err is at the time, so everything the hub logs from here on is seen.
        System.setErr(new PrintStream(new Tee(original, captured), true, StandardCharsets.UTF_8));
        HttpServer hostile = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        // Refuses everything and repeats what it was sent: credentials included.
        hostile.createContext("/", ex -> {
            String body = new String(ex.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
            byte[] answer = ("{\"error\":\"invalid_client\",\"you_sent\":\"" + ex.getRequestHeaders().getFirst("Authorization") + " "
                    + ex.getRequestHeaders().getFirst("apikey") + " " + body + "\"}").getBytes(StandardCharsets.UTF_8);
            ex.getResponseHeaders().set("Content-Type", "application/json");
            ex.sendResponseHeaders(401, answer.length);
            ex.getResponseBody().write(answer);
            ex.close();
        });
        hostile.start();
        String hostileUrl = "http://127.0.0.1:" + hostile.getAddress().getPort();
        List<String> answers = new ArrayList<>();
        try (TestMosquitto broker = new TestMosquitto(dir.resolve("broker"), false)) {
            Path secrets = Files.createDirectories(dir.resolve("plant-secrets"));
            Map<String, String> files = Map.of("client.secret", CLIENT_SECRET, "api.key", API_KEY, "mqtt.password", MQTT_PASSWORD,
                    "producer.token", PRODUCER_TOKEN, "webhook.key", WEBHOOK_KEY);
            for (var f : files.entrySet()) Files.writeString(secrets.resolve(f.getKey()), f.getValue() + "\n");
            TestPlant plant = new TestPlant(dir.resolve("plant"))
                    .hub("plant: leaks\ncontracts: { allowUnknownTypes: true }\n")
                    .write("systems/erp.yaml", """
                            name: erp
                            outbound:
                              http:
                                baseUrl: %s/odata
                                timeout: 1s
                                retry: { maxAttempts: 2, initialBackoff: 100ms, maxBackoff: 200ms }
                                auth:
                                  type: oauth2
                                  oauth2: { tokenUrl: %s/token, clientId: millwright, clientSecret: "${file:%s/client.secret}" }
                            """.formatted(hostileUrl, hostileUrl, secrets))
                    .write("systems/eam.yaml", """
                            name: eam
                            outbound:
                              http:
                                baseUrl: %s/maximo
                                timeout: 1s
                                retry: { maxAttempts: 2, initialBackoff: 100ms, maxBackoff: 200ms }
                                auth: { type: apiKey, apiKey: { header: apikey, value: "${file:%s/api.key}" } }
                            """.formatted(hostileUrl, secrets))
                    .write("systems/line.yaml", """
                            name: line
                            outbound:
                              mqtt:
                                broker: { port: %d, username: hub, password: "${file:%s/mqtt.password}", reconnectMax: 1s }
                                topic: "plant/{type}"
                                timeout: 1s
                                retry: { maxAttempts: 2, initialBackoff: 100ms, maxBackoff: 200ms }
                            """.formatted(broker.port(), secrets))
                    .write("systems/qms.yaml", """
                            name: qms
                            plants: [acme/plant-a]
                            producer: { token: "${file:%s/producer.token}" }
                            inbound:
                              http:
                                mapping: qms.jsonata
                                auth: { type: hmac, secret: "${file:%s/webhook.key}" }
                            """.formatted(secrets, secrets))
                    .write("mappings/qms.jsonata", "{ \"type\": \"test.hold\", \"id\": $string(lot), \"plant\": \"acme/plant-a\", \"data\": $ }")
                    .subscription("to-erp", "test.hold", "erp", "/holds", null)
                    .subscription("to-eam", "test.hold", "eam", "/workorders", null)
                    .write("subscriptions/to-line.yaml", "name: to-line\non: test.hold\ndeliver: { system: line }\n");
            try (TestHub hub = TestHub.start("leaks", plant)) {
                HubClient admin = hub.client;
                HubClient producer = admin.as(PRODUCER_TOKEN);
                HubClient.Response sent = producer.postEvents("application/cloudevents+json", """
                        {"specversion":"1.0","id":"h-1","source":"test://qms","type":"test.hold","subject":"L-1","plant":"acme/plant-a","data":{}}""");
                answers.add(sent.body());
                assertThat(sent.status()).as(sent.body()).isEqualTo(202);
                answers.add(admin.as(PRODUCER_TOKEN + "x").postEvents("application/cloudevents+json", "{}").body());
                answers.add(admin.as(CLIENT_SECRET).get("/api/v1/events").body());
                answers.add(producer.postEvents("application/cloudevents+json", """
                        {"specversion":"1.0","id":"h-2","source":"test://qms","type":"test.hold","plant":"acme/plant-b","data":{}}""").body());
                answers.add(admin.postBytes("/api/v1/inbound/qms", Map.of("Content-Type", "application/json", "X-Signature", "sha256=00"),
                        "{\"lot\":1}".getBytes(StandardCharsets.UTF_8)).body());
                // Every target has failed for good: the ERP's token endpoint refused the client, the EAM refused the key, the broker the login.
                await().atMost(Duration.ofSeconds(30)).until(() -> admin.get("/api/v1/deliveries?status=dead").json().get("items").size() == 3);
                for (var d : admin.get("/api/v1/deliveries").json().get("items")) {
                    answers.add(admin.get("/api/v1/deliveries/" + d.get("id").asLong()).body());
                }
                for (String s : List.of("erp", "eam", "line", "qms")) answers.add(admin.get("/api/v1/systems/" + s + "/health").body());
                for (String path : List.of("/api/v1/deliveries?status=dead", "/api/v1/events", "/api/v1/inbound-failures", "/api/v1/connectors",
                        "/api/v1/audit", "/api/v1/transactions/L-1", "/api/v1/openapi.json", "/metrics", "/health/ready")) {
                    answers.add(admin.get(path).body());
                }
                String dead = admin.get("/api/v1/deliveries?status=dead").body();
                assertThat(dead).as("the failures are visible, with their reasons").contains("erp").contains("eam").contains("line");
            }
        } finally {
            System.setErr(original);
            hostile.stop(0);
        }
        String logs = captured.toString(StandardCharsets.UTF_8);
        assertThat(logs).as("the hub logged while its systems failed").isNotBlank();
        for (String secret : List.of(CLIENT_SECRET, API_KEY, MQTT_PASSWORD, PRODUCER_TOKEN, WEBHOOK_KEY)) {
            List<String> forms = List.of(secret, Base64.getEncoder().encodeToString(("millwright:" + secret).getBytes(StandardCharsets.UTF_8)),
                    URLEncoder.encode(secret, StandardCharsets.UTF_8));
            for (String form : forms) {
                assertThat(logs).as("a log line holds a form of a secret").doesNotContain(form);
                for (String answer : answers) assertThat(answer).as("an answer holds a form of a secret").doesNotContain(form);
            }
        }
    }

    @Test
    void aSecretFileReplacedTakesEffectWithoutARestart() throws Exception {
        Path token = Files.writeString(dir.resolve("producer.token"), "first-token-value\n");
        TestPlant plant = new TestPlant(dir.resolve("plant"))
                .hub("plant: rotation\ncontracts: { allowUnknownTypes: true }\n")
                .write("systems/qms.yaml", """
                        name: qms
                        plants: [acme/plant-a]
                        producer: { token: "${file:%s}" }
                        """.formatted(token));
        try (TestHub hub = TestHub.start("rotation", plant)) {
            String event = """
                    {"specversion":"1.0","id":"%s","source":"test://qms","type":"test.thing","plant":"acme/plant-a","data":{}}""";
            assertThat(hub.client.as("first-token-value").postEvents("application/cloudevents+json", event.formatted("r-1")).status()).isEqualTo(202);
            Path next = Files.writeString(dir.resolve("producer.token.new"), "second-token-value\n");
            Files.move(next, token, java.nio.file.StandardCopyOption.REPLACE_EXISTING, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
            Files.setLastModifiedTime(token, java.nio.file.attribute.FileTime.from(java.time.Instant.now().plusSeconds(5)));
            await().atMost(Duration.ofSeconds(10)).until(() ->
                    hub.client.as("second-token-value").postEvents("application/cloudevents+json", event.formatted("r-2")).status() == 202);
            assertThat(hub.client.as("first-token-value").postEvents("application/cloudevents+json", event.formatted("r-3")).status()).isEqualTo(401);
        }
    }

    /** Writes to both streams. */
    private static final class Tee extends OutputStream {
        private final OutputStream a, b;

        Tee(OutputStream a, OutputStream b) {
            this.a = a;
            this.b = b;
        }

        @Override
        public void write(int x) throws java.io.IOException {
            a.write(x);
            synchronized (b) {
                b.write(x);
            }
        }

        @Override
        public void write(byte[] buf, int off, int len) throws java.io.IOException {
            a.write(buf, off, len);
            synchronized (b) {
                b.write(buf, off, len);
            }
        }
    }
}
