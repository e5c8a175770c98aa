package dev.millwright.delivery;

import com.fasterxml.jackson.databind.JsonNode;
import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsParameters;
import com.sun.net.httpserver.HttpsServer;
import dev.millwright.support.HubClient;
import dev.millwright.support.TestHub;
import dev.millwright.support.TestPlant;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.TrustManagerFactory;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
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
    private static final char[] PASS = "store-pass".toCharArray();

    @TempDir
    Path dir;

    private Path keypair(String name, String dname) throws Exception {
        Path store = dir.resolve(name + ".p12");
        Process keytool = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "keytool").toString(), "-genkeypair",
                "-alias", name, "-keyalg", "RSA", "-keysize", "2048", "-dname", dname, "-ext", "SAN=ip:127.0.0.1", "-validity", "2",
                "-storetype", "PKCS12", "-keystore", store.toString(), "-storepass", new String(PASS), "-keypass", new String(PASS))
                .redirectErrorStream(true).start();
        String out = new String(keytool.getInputStream().readAllBytes());
        assertThat(keytool.waitFor()).as(out).isZero();
        return store;
    }

    private static KeyStore load(Path p) throws Exception {
        KeyStore ks = KeyStore.getInstance("PKCS12");
        try (InputStream in = Files.newInputStream(p)) {
            ks.load(in, PASS);
        }
        return ks;
    }

    /** A store trusting only the certificate of {@code keypair}. */
    private Path trusting(Path keypair, String alias) throws Exception {
        KeyStore trust = KeyStore.getInstance("PKCS12");
        trust.load(null, null);
        trust.setCertificateEntry(alias, load(keypair).getCertificate(alias));
        Path out = dir.resolve("trusts-" + alias + ".p12");
        try (OutputStream o = Files.newOutputStream(out)) {
            trust.store(o, PASS);
        }
        return out;
    }

    @Test
    void mutualTlsWithTheSystemsTrustStoreAndClientCertificate() throws Exception {
        Path server = keypair("server", "CN=127.0.0.1"), client = keypair("client", "CN=millwright-hub");
        KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
        kmf.init(load(server), PASS);
        TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        tmf.init(load(trusting(client, "client")));
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
            Path serverTrust = trusting(server, "server");
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
