package dev.millwright.inbound;

import com.fasterxml.jackson.databind.JsonNode;
import dev.millwright.support.TestHub;
import dev.millwright.support.TestOpcUaServer;
import dev.millwright.support.TestCertificates;
import dev.millwright.support.TestPlant;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * A PLC whose only session endpoint is Basic256Sha256 SignAndEncrypt with user authentication: the hub monitors it with
 * its application certificate and a user; it refuses a server not in its trust store, and the server refuses a wrong
 * password — each with the reason on the connector's health, nothing monitored.
 */
class OpcUaSecurityTest {
    private static final String PASS = TestCertificates.PASSWORD;

    @TempDir
    Path dir;

    private Path applicationCertificate() throws Exception {
        return TestCertificates.keypair(dir, "hub", "CN=Millwright hub, O=Millwright", "SAN=uri:urn:millwright:hub:test,ip:127.0.0.1",
                "KU=digitalSignature,nonRepudiation,keyEncipherment,dataEncipherment", "EKU=serverAuth,clientAuth");
    }

    private TestPlant plant(TestOpcUaServer plc, Path keyStore, Path trustStore, String password) throws Exception {
        Path secret = Files.writeString(dir.resolve("store.password"), PASS);
        Path user = Files.writeString(dir.resolve("plc-user.password-" + password), password);
        return new TestPlant(dir.resolve("plant-" + trustStore.getFileName() + "-" + password))
                .write("mappings/machine.jsonata", """
                        { "type": "equipment.state.changed", "id": node & "-" & sourceTime, "subject": "CNC-07", "data": { "state": value } }""")
                .write("systems/plc.yaml", """
                        name: plc
                        inbound:
                          opcua:
                            endpoint: %s
                            security:
                              policy: Basic256Sha256
                              mode: SignAndEncrypt
                              keyStore: %s
                              keyStorePassword: "${file:%s}"
                              trustStore: %s
                              trustStorePassword: "${file:%s}"
                            username: operator
                            password: "${file:%s}"
                            publishingInterval: 100ms
                            reconnectMax: 1s
                            nodes:
                              state: { nodeId: "%s", samplingInterval: 50ms }
                            mapping: machine.jsonata
                        """.formatted(plc.endpoint(), keyStore, secret, trustStore, secret, user, plc.nodeId("CNC-07/State")));
    }

    private static JsonNode connector(TestHub hub) {
        return hub.client.get("/api/v1/connectors").json().get("items").get(0);
    }

    @Test
    void signedAndEncryptedWithAUserAndRefusedWithoutTrustOrTheRightPassword() throws Exception {
        Map<String, Object> initial = new HashMap<>(Map.of("CNC-07/State", "RUNNING"));
        try (TestOpcUaServer plc = new TestOpcUaServer(initial, Map.of("operator", "plc-secret-1"))) {
            Path keys = applicationCertificate();
            Path trusted = TestCertificates.trusting(dir.resolve("trusts-plc.p12"), plc.certificate());
            try (TestHub hub = TestHub.start("opcua_secure", plant(plc, keys, trusted, "plc-secret-1"))) {
                await().atMost(Duration.ofSeconds(30)).until(() -> connector(hub).get("ready").asBoolean());
                assertThat(plc.sessionPolicies()).contains("Basic256Sha256").doesNotContain("None");
                plc.set("CNC-07/State", "STOPPED");
                await().atMost(Duration.ofSeconds(15)).until(() ->
                        hub.client.get("/api/v1/events?type=equipment.state.changed").json().get("items").size() >= 1);
                JsonNode health = hub.client.get("/api/v1/systems/plc/health").json();
                assertThat(health.get("ok").asBoolean()).as(health.toString()).isTrue();
                assertThat(health.get("auth").asText()).isEqualTo("user operator, Basic256Sha256 SignAndEncrypt");
            }
            try (TestHub hub = TestHub.start("opcua_untrusted", plant(plc, keys, TestCertificates.trusting(dir.resolve("trusts-nobody.p12")), "plc-secret-1"))) {
                await().atMost(Duration.ofSeconds(30)).until(() -> !connector(hub).path("problem").asText().isEmpty());
                assertThat(connector(hub).get("ready").asBoolean()).isFalse();
                JsonNode health = hub.client.get("/api/v1/systems/plc/health").json();
                assertThat(health.get("ok").asBoolean()).isFalse();
                assertThat(health.get("problem").asText()).as(health.toString()).contains("certificate is not trusted");
            }
            try (TestHub hub = TestHub.start("opcua_wrongpw", plant(plc, keys, trusted, "wrong-password"))) {
                await().atMost(Duration.ofSeconds(30)).until(() -> !connector(hub).path("problem").asText().isEmpty());
                JsonNode health = hub.client.get("/api/v1/systems/plc/health").json();
                assertThat(health.get("ok").asBoolean()).isFalse();
                assertThat(health.get("problem").asText()).as(health.toString()).contains("refused the user").doesNotContain("wrong-password");
            }
        }
    }
}
