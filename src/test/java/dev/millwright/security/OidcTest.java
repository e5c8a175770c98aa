package dev.millwright.security;

import com.nimbusds.jose.JOSEObjectType;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.RSASSASigner;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jose.jwk.gen.RSAKeyGenerator;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import com.sun.net.httpserver.HttpServer;
import dev.millwright.support.HubClient;
import dev.millwright.support.TestHub;
import dev.millwright.support.TestPlant;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** Bearer JWTs from an identity provider whose JWKS this test serves: valid, expired, wrong audience, unknown key, rotated key. */
class OidcTest {
    private static final String ISSUER = "https://idp.test/realms/plant", AUDIENCE = "millwright";

    @TempDir
    static Path dir;
    static HttpServer idp;
    static final AtomicReference<JWKSet> published = new AtomicReference<>();
    static final AtomicInteger fetches = new AtomicInteger();
    static RSAKey first;
    static TestHub hub;

    @BeforeAll
    static void start() throws Exception {
        first = new RSAKeyGenerator(2048).keyID("key-1").generate();
        published.set(new JWKSet(first.toPublicJWK()));
        idp = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        idp.createContext("/certs", ex -> {
            fetches.incrementAndGet();
            byte[] body = published.get().toString(true).getBytes(StandardCharsets.UTF_8);
            ex.getResponseHeaders().set("Content-Type", "application/json");
            ex.sendResponseHeaders(200, body.length);
            ex.getResponseBody().write(body);
            ex.close();
        });
        idp.start();
        hub = TestHub.start("oidc", new TestPlant(dir).hub("""
                plant: oidc
                contracts: { allowUnknownTypes: true }
                security:
                  oidc:
                    issuer: %s
                    audience: %s
                    jwksUrl: http://127.0.0.1:%d/certs
                """.formatted(ISSUER, AUDIENCE, idp.getAddress().getPort())));
    }

    @AfterAll
    static void stop() {
        if (hub != null) hub.close();
        if (idp != null) idp.stop(0);
    }

    static String token(RSAKey key, String audience, Instant expires, List<String> roles, List<String> plants) throws Exception {
        JWTClaimsSet claims = new JWTClaimsSet.Builder().issuer(ISSUER).audience(audience).subject("u-123")
                .claim("preferred_username", "jdoe").claim("roles", roles).claim("plants", plants)
                .issueTime(Date.from(Instant.now().minusSeconds(5))).expirationTime(Date.from(expires)).build();
        SignedJWT jwt = new SignedJWT(new JWSHeader.Builder(JWSAlgorithm.RS256).keyID(key.getKeyID()).type(JOSEObjectType.JWT).build(), claims);
        jwt.sign(new RSASSASigner(key));
        return jwt.serialize();
    }

    static String event(String id, String plant) {
        return """
                {"specversion":"1.0","id":"%s","source":"test://qms","type":"test.thing","plant":"%s","data":{}}""".formatted(id, plant);
    }

    @Test
    void aValidTokenNamesThePersonTheirRolesAndPlantsAndItsFirstUseIsALogin() throws Exception {
        HubClient admin = hub.client;
        int loginsBefore = admin.get("/api/v1/audit?action=auth.login").json().get("items").size();
        assertThat(admin.postEvents("application/cloudevents+json", event("o-a", "acme/plant-a")).status()).isEqualTo(202);
        assertThat(admin.postEvents("application/cloudevents+json", event("o-b", "acme/plant-b")).status()).isEqualTo(202);
        HubClient viewer = admin.as(token(first, AUDIENCE, Instant.now().plusSeconds(600), List.of("viewer", "other-app-role"), List.of("acme/plant-a")));
        HubClient.Response events = viewer.get("/api/v1/events");
        assertThat(events.status()).as(events.body()).isEqualTo(200);
        assertThat(events.body()).contains("o-a").doesNotContain("o-b");
        assertThat(viewer.get("/api/v1/events").status()).isEqualTo(200);
        assertThat(viewer.postJson("/api/v1/replays", "{\"subscription\":\"x\"}").status()).isEqualTo(403);
        String logins = admin.get("/api/v1/audit?action=auth.login").body();
        assertThat(logins).contains("oidc:jdoe").contains("127.0.0.1");
        assertThat(admin.get("/api/v1/audit?action=auth.login").json().get("items")).as("one login per token, not per request")
                .hasSize(loginsBefore + 1);
    }

    @Test
    void expiredWrongAudienceUnknownKeyAndMissingRolesAreRefused() throws Exception {
        HubClient admin = hub.client;
        HubClient.Response expired = admin.as(token(first, AUDIENCE, Instant.now().minusSeconds(300), List.of("admin"), List.of("*")))
                .get("/api/v1/events");
        assertThat(expired.status()).isEqualTo(401);
        assertThat(expired.body()).contains("Expired");
        HubClient.Response audience = admin.as(token(first, "someone-else", Instant.now().plusSeconds(600), List.of("admin"), List.of("*")))
                .get("/api/v1/events");
        assertThat(audience.status()).isEqualTo(401);
        assertThat(audience.body()).contains("aud claim rejected");
        RSAKey stranger = new RSAKeyGenerator(2048).keyID("not-published").generate();
        HubClient.Response unknown = admin.as(token(stranger, AUDIENCE, Instant.now().plusSeconds(600), List.of("admin"), List.of("*")))
                .get("/api/v1/events");
        assertThat(unknown.status()).isEqualTo(401);
        assertThat(unknown.body()).contains("no matching key");
        RSAKey impostor = new RSAKeyGenerator(2048).keyID("key-1").generate();
        HubClient.Response forged = admin.as(token(impostor, AUDIENCE, Instant.now().plusSeconds(600), List.of("admin"), List.of("*")))
                .get("/api/v1/events");
        assertThat(forged.status()).as("a key id that exists, signed by another key").isEqualTo(401);
        HubClient.Response noRole = admin.as(token(first, AUDIENCE, Instant.now().plusSeconds(600), List.of("other-app-role"), List.of("*")))
                .get("/api/v1/events");
        assertThat(noRole.status()).isEqualTo(401);
        assertThat(noRole.body()).contains("no Millwright role");
        for (HubClient.Response r : List.of(expired, audience, unknown, forged, noRole)) {
            assertThat(r.contentType()).startsWith("application/problem+json");
            assertThat(r.body()).doesNotContain("eyJ");
        }
    }

    @Test
    void aRotatedKeyIsFetchedWhenATokenNamesIt() throws Exception {
        HubClient admin = hub.client;
        assertThat(admin.as(token(first, AUDIENCE, Instant.now().plusSeconds(600), List.of("viewer"), List.of("*"))).get("/api/v1/events").status())
                .isEqualTo(200);
        RSAKey second = new RSAKeyGenerator(2048).keyID("key-2").generate();
        published.set(new JWKSet(List.of(first.toPublicJWK(), second.toPublicJWK())));
        String rotated = token(second, AUDIENCE, Instant.now().plusSeconds(600), List.of("viewer"), List.of("*"));
        int before = fetches.get();
        // The cached key set does not know key-2: the hub fetches the set again (at most once a second) and accepts it.
        await().atMost(Duration.ofSeconds(10)).until(() -> admin.as(rotated).get("/api/v1/events").status() == 200);
        assertThat(fetches.get()).isGreaterThan(before);
    }
}
