package dev.millwright.delivery;

import com.fasterxml.jackson.databind.JsonNode;
import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsParameters;
import com.sun.net.httpserver.HttpsServer;
import dev.millwright.support.HubClient;
import dev.millwright.support.TestHub;
import dev.millwright.support.TestCertificates;
import dev.millwright.support.TestPlant;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.TrustManagerFactory;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * A system that demands a client certificate (mutual TLS) behind a certificate no public CA signed: the hub reaches
 * it with the system's trust store and client certificate; without the certificate, or without trusting the server,
 * the call fails with the reason and nothing is sent.
 */
class OutboundTlsTest {
    private static final char[] PASS = TestCertificates.PASSWORD.toCharArray();

    @TempDir
    Path dir;

    @Test
    void mutualTlsWithTheSystemsTrustStoreAndClientCertificate() throws Exception {
        Path server = TestCertificates.keypair(dir, "server", "CN=127.0.0.1", "SAN=ip:127.0.0.1");
        Path client = TestCertificates.keypair(dir, "client", "CN=millwright-hub", "SAN=ip:127.0.0.1");
        KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
        kmf.init(TestCertificates.load(server), PASS);
        TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        tmf.init(TestCertificates.load(TestCertificates.trusting(dir.resolve("trusts-client.p12"), TestCertificates.load(client).getCertificate("client"))));
        SSLContext ssl = SSLContext.getInstance("TLS");
        ssl.init(kmf.getKeyManagers(), tmf.getTrustManagers(), null);
        HttpsServer erp = HttpsServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        erp.setHttpsConfigurator(new HttpsConfigurator(ssl) {
            @Override
            public void configure(HttpsParameters params) {
                SSLParameters p = ssl.getDefaultSSLParameters();
                p.setNeedClientAuth(true);
                params.setSSLParameters(p);
            }
        });
        List<String> received = new CopyOnWriteArrayList<>();
        erp.createContext("/", ex -> {
            received.add(ex.getRequestURI().getPath());
            ex.getRequestBody().readAllBytes();
            ex.sendResponseHeaders(200, -1);
            ex.close();
        });
        erp.start();
        try {
            String base = "https://127.0.0.1:" + erp.getAddress().getPort();
            Path password = Files.writeString(dir.resolve("store.password"), new String(PASS));
            Path serverTrust = TestCertificates.trusting(dir.resolve("trusts-server.p12"), TestCertificates.load(server).getCertificate("server"));
            String retry = "retry: { maxAttempts: 2, initialBackoff: 100ms, maxBackoff: 200ms }\ncircuitBreaker: { failureThreshold: 0 }\n";
            TestPlant plant = new TestPlant(dir.resolve("plant"))
                    .system("mtls", base, retry + """
                            tls:
                              trustStore: %s
                              trustStorePassword: "${file:%s}"
                              keyStore: %s
                              keyStorePassword: "${file:%s}"
                            """.formatted(serverTrust, password, client, password))
                    .system("nocert", base, retry + """
                            tls: { trustStore: %s, trustStorePassword: "${file:%s}" }
                            """.formatted(serverTrust, password))
                    .system("untrusting", base, retry)
                    .subscription("a", "test.hold", "mtls", "/mtls", null)
                    .subscription("b", "test.hold", "nocert", "/nocert", null)
                    .subscription("c", "test.hold", "untrusting", "/untrusting", null);
            try (TestHub hub = TestHub.start("out_tls", plant)) {
                assertThat(hub.client.postEvents("application/cloudevents+json", HubClient.event("t-1", "test.hold", "L", "{}")).status())
                        .isEqualTo(202);
                await().atMost(Duration.ofSeconds(30)).until(() -> hub.client.get("/api/v1/deliveries?status=dead").json().get("items").size() == 2
                        && received.contains("/mtls"));
                assertThat(received).containsExactly("/mtls");
                for (JsonNode d : hub.client.get("/api/v1/deliveries?status=dead").json().get("items")) {
                    assertThat(d.get("target").asText()).isIn("nocert", "untrusting");
                    assertThat(d.get("lastError").asText()).as(d.toString()).isNotBlank();
                }
                assertThat(hub.client.get("/api/v1/systems/mtls/health").json().get("ok").asBoolean()).isTrue();
            }
        } finally {
            erp.stop(0);
        }
    }
}
