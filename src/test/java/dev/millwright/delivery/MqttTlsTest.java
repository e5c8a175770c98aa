package dev.millwright.delivery;

import com.fasterxml.jackson.databind.JsonNode;
import dev.millwright.support.HubClient;
import dev.millwright.support.TestHub;
import dev.millwright.support.TestMosquitto;
import dev.millwright.support.TestCertificates;
import dev.millwright.support.TestPlant;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.time.Duration;
import java.util.Base64;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** MQTT over TLS to a broker whose certificate no public CA signed: published with the system's trust store; refused without it. */
class MqttTlsTest {
    private static final char[] PASS = TestCertificates.PASSWORD.toCharArray();

    @TempDir
    Path dir;

    @Test
    void publishesOverTlsWithTheSystemsTrustStoreAndNotWithoutIt() throws Exception {
        Path keystore = TestCertificates.keypair(dir, "broker", "CN=127.0.0.1", "SAN=ip:127.0.0.1");
        KeyStore ks = TestCertificates.load(keystore);
        // mosquitto reads PEM: the certificate, and the key as PKCS#8
        Path cert = Files.writeString(dir.resolve("broker.pem"), pem("CERTIFICATE", ks.getCertificate("broker").getEncoded()));
        Path key = Files.writeString(dir.resolve("broker.key"), pem("PRIVATE KEY", ((PrivateKey) ks.getKey("broker", PASS)).getEncoded()));
        Path trustStore = TestCertificates.trusting(dir.resolve("trust.p12"), ks.getCertificate("broker"));
        Path password = Files.writeString(dir.resolve("trust.password"), new String(PASS));
        try (TestMosquitto broker = new TestMosquitto(dir.resolve("broker"), true,
                "cafile " + cert + "\ncertfile " + cert + "\nkeyfile " + key + "\nrequire_certificate false")) {
            String system = """
                    name: %s
                    outbound:
                      mqtt:
                        broker: { port: %d, reconnectMax: 1s, tls: %s }
                        topic: "plant/{type}"
                        timeout: 1s
                        retry: { maxAttempts: 4, initialBackoff: 200ms, maxBackoff: 500ms }
                    """;
            TestPlant plant = new TestPlant(dir.resolve("plant"))
                    .write("systems/secure.yaml", system.formatted("secure", broker.port(),
                            "{ enabled: true, trustStore: %s, trustStorePassword: \"${file:%s}\" }".formatted(trustStore, password)))
                    .write("systems/naive.yaml", system.formatted("naive", broker.port(), "{ enabled: true }"))
                    .write("subscriptions/a.yaml", "name: a\non: test.hold\ndeliver: { system: secure }\n")
                    .write("subscriptions/b.yaml", "name: b\non: test.hold\ndeliver: { system: naive }\n");
            try (TestHub hub = TestHub.start("mqtt_tls", plant)) {
                // the session connects in the background: deliveries start once the broker has taken the hub over TLS
                await().atMost(Duration.ofSeconds(20)).until(() -> hub.client.get("/api/v1/systems/secure/health").status() == 200);
                assertThat(hub.client.postEvents("application/cloudevents+json", HubClient.event("m-1", "test.hold", "L", "{}")).status())
                        .isEqualTo(202);
                await().atMost(Duration.ofSeconds(30)).until(() -> {
                    JsonNode items = hub.client.get("/api/v1/deliveries").json().get("items");
                    return items.size() == 2 && items.findValuesAsText("state").containsAll(java.util.List.of("delivered", "dead"));
                });
                for (JsonNode d : hub.client.get("/api/v1/deliveries").json().get("items")) {
                    assertThat(d.get("state").asText()).as(d.toString()).isEqualTo(d.get("target").asText().equals("secure") ? "delivered" : "dead");
                }
                JsonNode health = hub.client.get("/api/v1/systems/secure/health").json();
                assertThat(health.get("ok").asBoolean()).as(health.toString()).isTrue();
                assertThat(health.get("where").asText()).startsWith("mqtts://");
            }
        }
    }

    private static String pem(String type, byte[] der) {
        return "-----BEGIN " + type + "-----\n" + Base64.getMimeEncoder(64, "\n".getBytes()).encodeToString(der) + "\n-----END " + type + "-----\n";
    }
}
