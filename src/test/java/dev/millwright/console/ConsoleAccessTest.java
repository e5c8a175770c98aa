package dev.millwright.console;

import dev.millwright.api.ApiServer;
import dev.millwright.security.Permission;
import dev.millwright.support.TestHub;
import dev.millwright.support.TestPlant;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Every console route from the hub's table, without a browser: signed out, a page sends the browser to sign in and a
 * form is refused; a viewer is refused every form that changes something; a user of one plant is refused the
 * hub-wide pages; a form from another origin is refused even for an administrator. A new route cannot skip its rule.
 */
class ConsoleAccessTest {
    /** Routes anyone may reach signed out: the sign-in itself, assets, the redirect to the console. */
    private static final Set<String> OPEN = Set.of("GET /", "GET /console/assets/htmx.min.js", "GET /console/assets/console.css",
            "GET /console/sign-in", "POST /console/sign-in", "POST /console/sign-out");

    @TempDir
    static Path dir;
    static TestHub hub;
    static String viewer, plantA;
    static final HttpClient http = HttpClient.newBuilder().followRedirects(HttpClient.Redirect.NEVER).build();

    @BeforeAll
    static void start() {
        hub = TestHub.start("consoleaccess", new TestPlant(dir.resolve("plant")).reviewFlow());
        viewer = hub.client.postJson("/api/v1/tokens", "{\"name\":\"v\",\"roles\":[\"viewer\"],\"plants\":[\"*\"]}").json().get("token").asText();
        plantA = hub.client.postJson("/api/v1/tokens", "{\"name\":\"a\",\"roles\":[\"admin\"],\"plants\":[\"acme/plant-a\"]}").json().get("token").asText();
    }

    @AfterAll
    static void stop() {
        if (hub != null) hub.close();
    }

    private HttpResponse<String> send(ApiServer.Route r, String token, String origin) throws Exception {
        String path = r.path().replace("{id}", "1").replace("{entityType}", "material").replace("{canonicalId}", "X");
        URI uri = URI.create("http://127.0.0.1:" + hub.hub.port() + path);
        HttpRequest.Builder b = HttpRequest.newBuilder(uri);
        if (token != null) b.header("Cookie", Console.COOKIE + "=" + URLEncoder.encode(token, StandardCharsets.UTF_8));
        if (r.method().equals("GET")) b.GET();
        else b.header("Origin", origin).header("Content-Type", "application/x-www-form-urlencoded").POST(HttpRequest.BodyPublishers.ofString("x=1"));
        return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void everyConsoleRouteKeepsItsAccessRule() throws Exception {
        String origin = "http://127.0.0.1:" + hub.hub.port();
        List<String> checked = new ArrayList<>();
        for (ApiServer.Route r : hub.hub.api().consoleRoutes()) {
            String name = r.method() + " " + r.path();
            if (r.permission() == null) {
                assertThat(OPEN).as(name + " is open to anyone: say why here").contains(name);
                continue;
            }
            HttpResponse<String> signedOut = send(r, null, origin);
            if (r.method().equals("GET")) {
                assertThat(signedOut.statusCode()).as(name).isEqualTo(302);
                assertThat(signedOut.headers().firstValue("Location").orElse("")).as(name).startsWith("/console/sign-in?next=");
            } else {
                assertThat(signedOut.statusCode()).as(name).isEqualTo(401);
                assertThat(signedOut.body()).as(name).contains("<html").doesNotContain("Exception");
                assertThat(send(r, dev.millwright.support.HubClient.TOKEN, "http://evil.example").statusCode()).as(name + " from another origin").isEqualTo(403);
                if (!Permission.READ.name().equals(r.permission())) {
                    assertThat(send(r, viewer, origin).statusCode()).as(name + " as a viewer").isEqualTo(403);
                }
            }
            if (r.reach().equals("HUB")) assertThat(send(r, plantA, origin).statusCode()).as(name + " for one plant's admin").isEqualTo(403);
            checked.add(name);
        }
        assertThat(checked).hasSizeGreaterThan(20);
    }
}
