package dev.millwright.delivery;

import com.fasterxml.jackson.databind.JsonNode;
import com.sun.net.httpserver.HttpServer;
import dev.millwright.support.HubClient;
import dev.millwright.support.MutableClock;
import dev.millwright.support.TestHub;
import dev.millwright.support.TestPlant;
import dev.millwright.support.TestTarget;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;

import static dev.millwright.support.HubClient.event;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** Outbound authentication against a real OAuth2 token endpoint and a target that checks credentials. */
class OutboundAuthTest {
    @TempDir
    Path dir;
    HttpServer tokenServer;
    TestTarget target;
    final AtomicInteger tokenRequests = new AtomicInteger();
    final Set<String> validTokens = ConcurrentHashMap.newKeySet();
    volatile String lastTokenRequestBody;
    volatile String lastTokenRequestAuth;

    @BeforeEach
    void start() throws Exception {
        tokenServer = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 64);
        tokenServer.setExecutor(Executors.newVirtualThreadPerTaskExecutor());
        tokenServer.createContext("/token", exchange -> {
            lastTokenRequestBody = new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
            lastTokenRequestAuth = exchange.getRequestHeaders().getFirst("Authorization");
            String credentials = new String(Base64.getDecoder().decode(lastTokenRequestAuth.substring(6)), StandardCharsets.UTF_8);
            byte[] body;
            int status;
            if (credentials.equals("hub-client:s3cret")) {
                String token = "tok-" + tokenRequests.incrementAndGet();
                validTokens.add(token);
                status = 200;
                body = ("{\"access_token\":\"" + token + "\",\"token_type\":\"Bearer\",\"expires_in\":3600}").getBytes(StandardCharsets.UTF_8);
            } else {
                status = 401;
                body = "{\"error\":\"invalid_client\",\"error_description\":\"Client authentication failed\"}".getBytes(StandardCharsets.UTF_8);
            }
            exchange.getResponseHeaders().add("Content-Type", "application/json");
            exchange.sendResponseHeaders(status, body.length);
            exchange.getResponseBody().write(body);
            exchange.close();
        });
        tokenServer.start();
        target = new TestTarget();
        target.respond(r -> TestTarget.Reply.ok());
    }

    @AfterEach
    void stop() {
        tokenServer.stop(0);
        target.close();
    }

    private String oauth(String secretEnvValue) {
        return """
                auth:
                  type: oauth2
                  oauth2: { tokenUrl: "http://127.0.0.1:%d/token", clientId: hub-client, clientSecret: "${file:%s}", scope: "quality.write" }
                """.formatted(tokenServer.getAddress().getPort(), secretFile(secretEnvValue));
    }

    private String secretFile(String value) {
        Path file = dir.resolve("secret-" + value.hashCode());
        new TestPlant(dir).write(file.getFileName().toString(), value);
        return file.toString();
    }

    private List<String> events(String prefix, int n) {
        List<String> out = new ArrayList<>();
        for (int i = 0; i < n; i++) out.add(event(prefix + "-" + i, "test.auth", "K" + (i % 7), "{}"));
        return out;
    }

    @Test
    void oneTokenServesManyCallsIsRenewedOnExpiryAndOn401() {
        MutableClock clock = new MutableClock();
        target.respond(r -> TestTarget.Reply.ok());
        TestPlant plant = new TestPlant(dir.resolve("plant")).system("erp", target.baseUrl(), oauth("s3cret"))
                .subscription("holds", "test.auth", "erp", "/holds", "subject");
        List<String> seenTokens = new java.util.concurrent.CopyOnWriteArrayList<>();
        AtomicInteger revokeNext = new AtomicInteger();
        try (TestHub hub = TestHub.start("oauth", plant, clock)) {
            tokenServerChecks(seenTokens, revokeNext);
            assertThat(hub.client.postEvents("application/cloudevents-batch+json", HubClient.batch(events("a", 100))).status()).isEqualTo(202);
            await().atMost(Duration.ofSeconds(30)).until(() -> target.received().size() == 100);
            assertThat(tokenRequests.get()).as("one token for 100 calls").isEqualTo(1);
            assertThat(lastTokenRequestBody).contains("grant_type=client_credentials").contains("scope=quality.write");
            assertThat(seenTokens).containsOnly("Bearer tok-1");

            clock.advance(Duration.ofHours(2)); // the token has expired
            hub.client.postEvents("application/cloudevents+json", events("b", 1).getFirst());
            await().atMost(Duration.ofSeconds(30)).until(() -> target.received().size() == 101);
            assertThat(tokenRequests.get()).as("a new token after expiry").isEqualTo(2);

            revokeNext.set(1); // the system revokes the current token: the next call gets a 401
            hub.client.postEvents("application/cloudevents+json", events("c", 1).getFirst());
            await().atMost(Duration.ofSeconds(30)).until(() -> target.received().size() == 102);
            assertThat(tokenRequests.get()).as("renewed once on 401").isEqualTo(3);
            assertThat(target.failures()).hasSize(1);
        }
    }

    /** The target accepts only live tokens, and can revoke the current one. */
    private void tokenServerChecks(List<String> seen, AtomicInteger revokeNext) {
        target.respond(r -> {
            String auth = r.header("Authorization");
            seen.add(auth);
            String token = auth == null ? "" : auth.substring("Bearer ".length());
            if (revokeNext.compareAndSet(1, 0)) validTokens.remove(token);
            return validTokens.contains(token) ? TestTarget.Reply.ok() : new TestTarget.Reply(401, "{\"error\":\"invalid_token\"}", null);
        });
    }

    @Test
    void aRejectedClientIsAClearErrorOnTheDelivery() {
        TestPlant plant = new TestPlant(dir.resolve("plant")).system("erp", target.baseUrl(), oauth("wrong"))
                .subscription("holds", "test.auth", "erp", "/holds", "subject");
        try (TestHub hub = TestHub.start("oauth_bad", plant)) {
            hub.client.postEvents("application/cloudevents+json", events("x", 1).getFirst());
            await().atMost(Duration.ofSeconds(20)).until(() -> hub.client.get("/api/v1/deliveries?status=failed").json().get("items").size() == 1);
            JsonNode d = hub.client.get("/api/v1/deliveries?status=failed").json().get("items").get(0);
            assertThat(d.get("lastError").asText()).contains("refused client 'hub-client'").contains("HTTP 401 invalid_client")
                    .contains("Client authentication failed").doesNotContain("wrong");
            assertThat(target.received()).isEmpty();
        }
    }

    @Test
    void systemHealthSaysExactlyWhatFailed() throws Exception {
        TestPlant plant = new TestPlant(dir.resolve("plant"))
                .system("good", target.baseUrl(), oauth("s3cret"))
                .system("badclient", target.baseUrl(), oauth("wrong"))
                .system("down", "http://127.0.0.1:" + freePort(), "timeout: 1s\n");
        try (TestHub hub = TestHub.start("health", plant)) {
            HubClient.Response good = hub.client.get("/api/v1/systems/good/health");
            assertThat(good.status()).as(good.body()).isEqualTo(200);
            assertThat(good.json().get("ok").asBoolean()).isTrue();
            HubClient.Response bad = hub.client.get("/api/v1/systems/badclient/health");
            assertThat(bad.status()).isEqualTo(503);
            assertThat(bad.json().get("problem").asText()).contains("refused client 'hub-client'").contains("invalid_client");
            HubClient.Response down = hub.client.get("/api/v1/systems/down/health");
            assertThat(down.status()).isEqualTo(503);
            assertThat(down.json().get("problem").asText()).startsWith("connection refused by 127.0.0.1:");
            assertThat(hub.client.get("/api/v1/systems/nope/health").status()).isEqualTo(404);
        }
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
        java.io.PrintStream old = System.out;
        System.setOut(new java.io.PrintStream(out, true, StandardCharsets.UTF_8));
        int exit;
        try {
            exit = new picocli.CommandLine(new dev.millwright.cli.Main()).execute("systems", "test", "badclient", "--config", plant.dir().toString());
        } finally {
            System.setOut(old);
        }
        assertThat(exit).isEqualTo(1);
        assertThat(out.toString(StandardCharsets.UTF_8)).contains("badclient outbound: FAILED").contains("problem: token endpoint");
    }

    private static int freePort() throws Exception {
        try (java.net.ServerSocket s = new java.net.ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    @Test
    void apiKeyAndBasicCredentialsArriveAtTheTarget() {
        TestPlant plant = new TestPlant(dir.resolve("plant"))
                .system("keyed", target.baseUrl(), "auth: { type: apiKey, apiKey: { header: X-Api-Key, value: \"${file:" + secretFile("k-123") + "}\" } }\n")
                .system("basic", target.baseUrl() + "/b", "auth: { type: basic, basic: { username: hub, password: \"${file:" + secretFile("pw") + "}\" } }\n")
                .subscription("to-keyed", "test.auth", "keyed", "/k", null)
                .subscription("to-basic", "test.auth", "basic", "/b", null);
        List<String> headers = new java.util.concurrent.CopyOnWriteArrayList<>();
        target.respond(r -> {
            headers.add(r.path() + " " + r.header("X-Api-Key") + " " + r.header("Authorization"));
            return TestTarget.Reply.ok();
        });
        try (TestHub hub = TestHub.start("static_auth", plant)) {
            hub.client.postEvents("application/cloudevents+json", events("s", 1).getFirst());
            await().atMost(Duration.ofSeconds(20)).until(() -> target.received().size() == 2);
            String basic = "Basic " + Base64.getEncoder().encodeToString("hub:pw".getBytes(StandardCharsets.UTF_8));
            assertThat(headers).containsExactlyInAnyOrder("/k k-123 null", "/b/b null " + basic);
        }
    }
}
