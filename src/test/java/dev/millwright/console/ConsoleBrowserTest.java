package dev.millwright.console;

import com.microsoft.playwright.APIResponse;
import com.microsoft.playwright.Browser;
import com.microsoft.playwright.BrowserContext;
import com.microsoft.playwright.BrowserType;
import com.microsoft.playwright.Locator;
import com.microsoft.playwright.Page;
import com.microsoft.playwright.Playwright;
import com.microsoft.playwright.options.RequestOptions;
import dev.millwright.config.PlantConfig;
import dev.millwright.simulate.ClosedLoop;
import dev.millwright.simulate.PlantInABox;
import dev.millwright.simulate.SimulatedPlant;
import dev.millwright.support.HubClient;
import dev.millwright.support.Sql;
import dev.millwright.support.TestHub;
import dev.millwright.support.TestPlant;
import dev.millwright.support.TestTarget;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static com.microsoft.playwright.assertions.PlaywrightAssertions.assertThat;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The console in a real browser (Debian's chromium driven by Playwright) against the demo plant and its simulated ERP,
 * EAM, QMS and MES: sign in, follow an NCR across systems, fix failures where they are seen, replay after a dry run,
 * edit a cross-reference, watch an alert fire and clear — and what a viewer and another plant's user do not see.
 * Screenshots go to target/screenshots.
 */
class ConsoleBrowserTest {
    private static final Path CHROMIUM = Path.of("/usr/bin/chromium");
    private static final Path SHOTS = Path.of("target/screenshots");

    @TempDir
    static Path dir;
    static SimulatedPlant simulated;
    static PlantInABox box;
    static TestHub hub;
    static TestTarget hooks;
    static final AtomicBoolean hooksDown = new AtomicBoolean();
    static Playwright playwright;
    static Browser browser;
    static String operator, viewer, otherPlant;

    BrowserContext context;
    Page page;

    @BeforeAll
    static void start() throws Exception {
        Assumptions.assumeTrue(Files.isExecutable(CHROMIUM), "chromium is not installed (apt-get install -y chromium): the console's browser tests need it");
        simulated = new SimulatedPlant(dir, "contracts: { allowUnknownTypes: true }\n");
        box = simulated.box;
        hooks = new TestTarget();
        // A webhook that refuses everything while "down", and for good a posting of a negative quantity.
        hooks.respond(r -> hooksDown.get() || r.event().path("data").path("qty").asInt() < 0
                ? new TestTarget.Reply(400, "{\"error\":\"quantity must be positive\"}", null) : TestTarget.Reply.ok());
        String settings = Files.readString(simulated.plant.resolve("millwright.yaml"));
        new TestPlant(simulated.plant)
                .write("millwright.yaml", settings)
                .write("systems/hooks.yaml", "name: hooks\nplants: [acme/plant-a]\noutbound:\n  http:\n    baseUrl: " + hooks.baseUrl()
                        + "\n    timeout: 2s\n    retry: { maxAttempts: 2, initialBackoff: 100ms, maxBackoff: 1s }\n")
                .subscription("hooks", "test.hook", "hooks", "/hooks", "subject")
                .write("subscriptions/erp-postings.yaml", "name: erp-postings\non: test.erp.posting\ndeliver: { system: erp, operation: postMaterialDocument }\n")
                .write("alerts/erp-queue-age.yaml", "name: erp-queue-age\ndescription: Postings are waiting for the ERP\nseverity: warning\n"
                        + "queueAge: { system: erp, above: 3s }\n");
        hub = TestHub.start("console", PlantConfig.load(simulated.plant, simulated.env::get));
        box.hub(URI.create("http://127.0.0.1:" + hub.hub.port()));
        operator = token("ops", "[\"operator\", \"integrator\"]", "[\"*\"]");
        viewer = token("watcher", "[\"viewer\"]", "[\"acme/plant-a\"]");
        otherPlant = token("plant-b-lead", "[\"operator\"]", "[\"acme/plant-b\"]");
        playwright = Playwright.create();
        browser = playwright.chromium().launch(new BrowserType.LaunchOptions().setExecutablePath(CHROMIUM).setArgs(List.of("--no-sandbox"))
                .setHeadless(true));
    }

    private static String token(String name, String roles, String plants) {
        HubClient.Response r = hub.client.postJson("/api/v1/tokens", "{\"name\":\"" + name + "\",\"roles\":" + roles + ",\"plants\":" + plants + "}");
        assertThat(r.status()).as(r.body()).isEqualTo(201);
        return r.json().get("token").asText();
    }

    @AfterAll
    static void stop() {
        if (browser != null) browser.close();
        if (playwright != null) playwright.close();
        if (hub != null) hub.close();
        if (hooks != null) hooks.close();
        if (simulated != null) simulated.close();
    }

    @BeforeEach
    void newBrowserContext() {
        context = browser.newContext(new Browser.NewContextOptions().setViewportSize(1280, 800).setBaseURL("http://127.0.0.1:" + hub.hub.port()));
        context.setDefaultTimeout(30_000);
        page = context.newPage();
    }

    @AfterEach
    void closeBrowserContext() {
        context.close();
    }

    private void signIn(String token) {
        page.navigate("/console");
        assertThat(page).hasURL(Pattern.compile(".*/console/sign-in.*"));
        page.fill("#token", token);
        page.click("button[type=submit]");
        assertThat(page.locator("h1")).hasText("Overview");
    }

    private void shot(String name) {
        page.screenshot(new Page.ScreenshotOptions().setPath(SHOTS.resolve(name + ".png")).setFullPage(true));
    }

    private static void post(String event) {
        HubClient.Response r = hub.client.postEvents("application/cloudevents+json", event);
        assertThat(r.status()).as(r.body()).isEqualTo(202);
    }

    private static String hook(String id, String subject, int qty) {
        return """
                {"specversion":"1.0","id":"%s","source":"test://plant-a","type":"test.hook","subject":"%s","plant":"acme/plant-a",
                 "datacontenttype":"application/json","data":{"qty":%d}}""".formatted(id, subject, qty);
    }

    private static long deadDelivery(String subject) {
        await().atMost(Duration.ofSeconds(30)).until(() -> Sql.count(hub.db,
                "select count(*) from deliveries where ordering_key = '" + subject + "' and state = 'dead'") == 1);
        return Sql.count(hub.db, "select id from deliveries where ordering_key = '" + subject + "'");
    }

    @Test
    void aWrongTokenIsRefusedOnTheSignInPage() {
        page.navigate("/console/sign-in");
        page.fill("#token", "mwt_not-a-token");
        page.click("button[type=submit]");
        assertThat(page.locator(".problem")).isVisible();
        assertThat(page).hasURL(Pattern.compile(".*/console/sign-in.*"));
    }

    @Test
    void anNcrNumberFindsTheWholeTransactionWithEachSystemsStep() throws Exception {
        ClosedLoop.Result result = new ClosedLoop(box, Files.readString(Path.of("plants/demo/secrets/qms-api.token")).strip(), line -> {
        }).run("LOT-4712", "CNC-07", Duration.ofSeconds(90));
        assertThat(result.problems()).as(String.join("\n", result.timeline())).isEmpty();
        Matcher ncr = Pattern.compile("NCR-[0-9]+").matcher(Sql.text(hub.db,
                "select trigger_event from flow_instances where flow = 'nonconformance-to-capa' and correlation_key = 'LOT-4712'"));
        assertThat(ncr.find()).as("the trigger carries the QMS's NCR number").isTrue();

        signIn(operator);
        shot("overview");
        page.fill("header input[name=key]", ncr.group());
        page.press("header input[name=key]", "Enter");
        assertThat(page.locator("h1")).hasText("Transaction " + ncr.group());
        // ERP (batch restricted, goods issues, release), EAM (work order), QMS (CAPA) and MES (hold, release): each one's step.
        for (String system : List.of("erp", "eam", "qms", "mes")) {
            assertThat(page.locator("tr.delivery[data-system=" + system + "]").first()).containsText("delivered");
        }
        assertThat(page.locator("tr.step[data-step=hold-lot]")).containsText("completed");
        assertThat(page.locator("tr.step[data-step=await-repair]")).containsText("completed");
        shot("transaction");
    }

    @Test
    void aDeadLetterIsRetriedFromTheFailuresPageAndDelivered() {
        hooksDown.set(true);
        post(hook("down-1", "ORDER-1", 5));
        long id = deadDelivery("ORDER-1");
        hooksDown.set(false);

        signIn(operator);
        page.navigate("/console/failures?state=dead&system=hooks");
        Locator row = page.locator("tr[data-delivery='" + id + "']");
        assertThat(row).containsText("HTTP 400");
        shot("failures");
        row.locator("input[type=checkbox]").check();
        page.click("button[value=selected]");
        assertThat(page.locator(".notice")).containsText("1 delivery queued");
        // The batch's page follows it by itself until its one delivery is delivered.
        assertThat(page.locator("h1")).containsText("Retry batch");
        assertThat(page.getByTestId("progress")).containsText("1 delivered", new com.microsoft.playwright.assertions.LocatorAssertions.ContainsTextOptions()
                .setTimeout(30_000));
        assertThat(page.getByTestId("progress")).containsText("done");
        shot("retry-batch");
        assertThat(Sql.text(hub.db, "select state::text from deliveries where id = " + id)).isEqualTo("delivered");
        page.navigate("/console/deliveries/" + id);
        assertThat(page.getByTestId("state")).hasText("delivered");
    }

    @Test
    void anEditedPayloadIsRetriedAndItsDiffIsInTheAuditTrail() {
        post(hook("neg-1", "ORDER-2", -3));
        long id = deadDelivery("ORDER-2");

        signIn(operator);
        page.navigate("/console/deliveries/" + id);
        assertThat(page.getByTestId("state")).hasText("dead");
        String payload = page.locator("textarea[name=payload]").inputValue();
        assertThat(payload).contains("\"qty\" : -3");
        page.locator("textarea[name=payload]").fill(payload.replace("\"qty\" : -3", "\"qty\" : 3"));
        page.click("text=Save payload");
        assertThat(page.locator(".notice")).containsText("payload saved");
        shot("payload-edit");
        page.click("form[action$='/retry'] button");
        assertThat(page.locator(".notice")).containsText("queued for another attempt");
        await().atMost(Duration.ofSeconds(30)).until(() -> "delivered".equals(Sql.text(hub.db, "select state::text from deliveries where id = " + id)));
        assertThat(hooks.received().stream().filter(r -> "ORDER-2".equals(r.subject())).toList().getLast().event().path("data").path("qty").asInt())
                .isEqualTo(3);

        // The transaction shows who changed and retried it.
        page.navigate("/console/transactions?key=ORDER-2");
        assertThat(page.locator("tr.acted").filter(new Locator.FilterOptions().setHasText("delivery.edit"))).containsText("token:ops");
        assertThat(page.locator("tr.acted").filter(new Locator.FilterOptions().setHasText("delivery.retry"))).containsText("delivery " + id);
        assertThat(page.locator("tr.delivery")).containsText("delivered");
        shot("transaction-who-acted");

        page.navigate("/console/audit?action=delivery.edit");
        Locator entry = page.locator("table.audit tbody tr").filter(new Locator.FilterOptions().setHasText("delivery " + id));
        assertThat(entry).containsText("token:ops");
        assertThat(entry).containsText("differences");
        assertThat(entry.locator("pre")).containsText("qty");
        page.click("button[name=verify]");
        assertThat(page.getByTestId("chain")).containsText("Chain intact");
        shot("audit");
    }

    @Test
    void aReplayShowsItsDryRunFirst() {
        post(hook("replay-1", "ORDER-3", 1));
        await().atMost(Duration.ofSeconds(30)).until(() -> hooks.received().stream().anyMatch(r -> "ORDER-3".equals(r.subject())));

        signIn(operator);
        page.navigate("/console/replays");
        page.selectOption("select[name=subscription]", "hooks");
        page.fill("input[name=subject]", "ORDER-3");
        page.click("button[value=dry-run]");
        assertThat(page.getByTestId("dry-run")).hasText("1 events → 1 deliveries, 1 already delivered under the same key");
        shot("replay-dry-run");
        int before = (int) hooks.received().stream().filter(r -> "ORDER-3".equals(r.subject())).count();
        page.check("input[name=newKeys]");
        page.click("button[value=replay]");
        assertThat(page.locator(".notice")).containsText("1 deliveries queued");
        await().atMost(Duration.ofSeconds(30)).until(() -> hooks.received().stream().filter(r -> "ORDER-3".equals(r.subject())).count() > before);
    }

    @Test
    void aCrossReferenceIsEditedAndResolvesAtOnce() {
        signIn(operator);
        page.navigate("/console/xref");
        assertThat(page.locator("details[data-map]").first()).isVisible();
        page.navigate("/console/xref?type=material&q=PUMP");
        page.click("text=PUMP-HOUSING-7");
        assertThat(page.locator("td[data-system=erp]")).hasText("4711-PH7");
        String ids = page.locator("textarea[name=ids]").inputValue();
        page.locator("textarea[name=ids]").fill(ids + "mes = MES-PH7\n");
        page.click("text=Save ids");
        assertThat(page.locator(".notice")).containsText("1 added");
        assertThat(page.locator("td[data-system=mes]")).hasText("MES-PH7");
        shot("xref");
        assertThat(hub.client.get("/api/v1/xref/resolve?entityType=material&system=mes&localId=MES-PH7&to=erp").body()).contains("4711-PH7");
    }

    @Test
    void anAlertFiresWhileTheErpIsDownAndClearsWhenItRecovers() {
        box.erp.down(Duration.ofSeconds(8));
        post("""
                {"specversion":"1.0","id":"posting-1","source":"test://plant-a","type":"test.erp.posting","subject":"P-1","plant":"acme/plant-a",
                 "datacontenttype":"application/json","data":{"GoodsMovementType":"201","Material":"BRG-6205","QuantityInEntryUnit":1}}""");
        signIn(operator);
        await().atMost(Duration.ofSeconds(30)).until(() -> {
            page.navigate("/console/alerts?state=firing");
            return page.locator("section[data-rule=erp-queue-age]").count() == 1;
        });
        shot("alert-firing");
        await().atMost(Duration.ofSeconds(90)).until(() -> {
            page.navigate("/console/alerts?state=resolved");
            return page.locator("section[data-rule=erp-queue-age]").count() == 1;
        });
        assertThat(page.locator("section[data-rule=erp-queue-age] [data-testid=resolved]").first()).not().hasText("–");
    }

    @Test
    void aViewerSeesNoControlsAndIsRefusedTheActions() {
        post(hook("viewer-1", "ORDER-4", -1));
        long id = deadDelivery("ORDER-4");
        signIn(viewer);
        page.navigate("/console/failures?state=dead&system=hooks");
        assertThat(page.locator("tr[data-delivery='" + id + "']")).isVisible();
        assertThat(page.locator("input[type=checkbox]")).hasCount(0);
        assertThat(page.locator("button[value=selected]")).hasCount(0);
        page.navigate("/console/deliveries/" + id);
        assertThat(page.locator("textarea")).hasCount(0);
        assertThat(page.locator("form[action$='/retry']")).hasCount(0);
        shot("viewer-delivery");
        // The controls are not drawn, and the actions are refused when sent anyway (from the console's own origin).
        String origin = "http://127.0.0.1:" + hub.hub.port();
        APIResponse retry = page.request().post("/console/deliveries/" + id + "/retry", RequestOptions.create().setHeader("Origin", origin));
        assertThat(retry.status()).isEqualTo(403);
        APIResponse edit = page.request().post("/console/deliveries/" + id + "/payload", RequestOptions.create().setHeader("Origin", origin)
                .setForm(com.microsoft.playwright.options.FormData.create().set("payload", "{}")));
        assertThat(edit.status()).isEqualTo(403);
        assertThat(hub.client.as(viewer).postJson("/api/v1/deliveries/" + id + "/retry", "{}").status()).isEqualTo(403);
        assertThat(Sql.text(hub.db, "select state::text from deliveries where id = " + id)).isEqualTo("dead");
    }

    @Test
    void anotherPlantsUserSeesNothingOfThisPlant() {
        post(hook("other-1", "ORDER-5", -1));
        long id = deadDelivery("ORDER-5");
        signIn(otherPlant);
        assertThat(page.locator("tr[data-system]")).hasCount(0);
        page.navigate("/console/transactions?key=ORDER-5");
        assertThat(page.locator("main")).containsText("Nothing is known under");
        page.navigate("/console/failures?state=dead");
        assertThat(page.locator("tr[data-delivery]")).hasCount(0);
        APIResponse delivery = page.request().get("/console/deliveries/" + id);
        assertThat(delivery.status()).isEqualTo(404);
        // A form from another site is refused before anything is looked at.
        APIResponse forged = page.request().post("/console/deliveries/" + id + "/retry", RequestOptions.create().setHeader("Origin", "http://evil.example"));
        assertThat(forged.status()).isEqualTo(403);
    }

    @Test
    void aRevokedTokenEndsTheSession() {
        String temporary = token("temporary", "[\"viewer\"]", "[\"*\"]");
        signIn(temporary);
        assertThat(hub.client.delete("/api/v1/tokens/temporary").status()).isEqualTo(200);
        await().atMost(Duration.ofSeconds(10)).until(() -> {
            page.navigate("/console/failures");
            return page.url().contains("/console/sign-in");
        });
        assertThat(page.locator(".problem")).containsText("session ended");
    }
}
