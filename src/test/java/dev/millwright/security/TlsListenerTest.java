package dev.millwright.security;

import dev.millwright.support.HubClient;
import dev.millwright.support.TestHub;
import dev.millwright.support.TestCertificates;
import dev.millwright.support.TestPlant;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLHandshakeException;
import javax.net.ssl.TrustManagerFactory;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** With a keystore configured the hub serves HTTPS only: a client that trusts its certificate gets in, plain HTTP does not. */
class TlsListenerTest {
    @TempDir
    Path dir;

    @Test
    void withAKeystoreTheHubServesHttpsAndNoPlainHttp() throws Exception {
        Path keystore = TestCertificates.keypair(dir, "hub", "CN=127.0.0.1", "SAN=ip:127.0.0.1");
        Path password = Files.writeString(dir.resolve("hub.p12.password"), TestCertificates.PASSWORD + "\n");
        TestPlant plant = new TestPlant(dir.resolve("plant")).hub("""
                plant: tls
                http:
                  tls: { keystore: %s, password: "${file:%s}" }
                """.formatted(keystore, password));
        try (TestHub hub = TestHub.start("tls", plant)) {
            KeyStore trusted = TestCertificates.load(TestCertificates.trusting(dir.resolve("trust.p12"),
                    TestCertificates.load(keystore).getCertificate("hub")));
            TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            tmf.init(trusted);
            SSLContext tls = SSLContext.getInstance("TLS");
            tls.init(null, tmf.getTrustManagers(), null);
            URI https = URI.create("https://127.0.0.1:" + hub.hub.port() + "/api/v1/events");
            try (HttpClient client = HttpClient.newBuilder().sslContext(tls).connectTimeout(Duration.ofSeconds(5)).build()) {
                HttpResponse<String> r = client.send(HttpRequest.newBuilder(https).header("Authorization", "Bearer " + HubClient.TOKEN).build(),
                        HttpResponse.BodyHandlers.ofString());
                assertThat(r.statusCode()).isEqualTo(200);
                assertThat(r.headers().firstValue("Server")).as("no server version is announced").isEmpty();
            }
            try (HttpClient untrusting = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build()) {
                assertThatThrownBy(() -> untrusting.send(HttpRequest.newBuilder(https).build(), HttpResponse.BodyHandlers.ofString()))
                        .as("a client that does not trust the certificate").isInstanceOf(SSLHandshakeException.class);
                assertThatThrownBy(() -> {
                    HttpResponse<String> plain = untrusting.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + hub.hub.port() + "/health/live"))
                            .build(), HttpResponse.BodyHandlers.ofString());
                    if (plain.statusCode() < 400) throw new AssertionError("plain HTTP was answered: " + plain.statusCode());
                    throw new IOException("plain HTTP refused with " + plain.statusCode());
                }).as("plain HTTP on the TLS port").isInstanceOf(IOException.class);
            }
        }
    }
}
