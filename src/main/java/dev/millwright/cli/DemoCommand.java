package dev.millwright.cli;

import dev.millwright.inbound.file.InboundFiles;
import dev.millwright.config.PlantConfig;
import dev.millwright.config.SystemConfig;
import dev.millwright.simulate.ClosedLoop;
import dev.millwright.simulate.PlantInABox;
import dev.millwright.simulate.ScenarioDriver;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.stream.Stream;

/**
 * The demo: an embedded PostgreSQL, the hub on the demo plant, the simulated SAP-shaped ERP, Maximo-shaped EAM,
 * SaaS QMS and MES, and a scenario: one nonconformance through the whole loop (printed as a timeline with each system's document
 * numbers, judged by the systems' final state), then — unless --once — a plant at work until Ctrl-C.
 */
@Command(name = "demo", description = "Run the hub on the demo plant against simulated ERP, EAM, QMS and MES, and close the loop.")
final class DemoCommand implements Callable<Integer> {
    static {
        System.setProperty("sun.net.httpserver.nodelay", "true"); // answer at once, not after a delayed ACK
    }

    @Option(names = "--config", description = "Plant folder (default: ${DEFAULT-VALUE}).", defaultValue = "plants/demo")
    Path config;

    @Option(names = "--port", description = "Hub port (default: the plant's http.port).")
    Integer port;

    @Option(names = "--scenario", description = "closed-loop: one nonconformance through the loop, then (without --once) a plant at "
            + "work (default: ${DEFAULT-VALUE}).", defaultValue = "closed-loop")
    String scenario;

    @Option(names = "--once", description = "Run the scenario once and exit: 0 only if every system ended in the expected state.")
    boolean once;

    @Option(names = "--inject", split = ",", description = "Incidents: erp-outage=DURATION (the ERP refuses connections), "
            + "webhook-storm (the QMS sends every webhook five times), malformed (bad payloads at every door).")
    java.util.List<String> inject = java.util.List.of();

    @Option(names = "--failure-rate", description = "Share of inspections that fail in the running plant (default: ${DEFAULT-VALUE}).",
            defaultValue = "0.1")
    double failureRate;

    @Override
    public Integer call() throws Exception {
        if (!scenario.equals("closed-loop")) {
            System.err.println("unknown scenario '" + scenario + "' (closed-loop)");
            return 2;
        }
        Map<String, String> incidents = new LinkedHashMap<>();
        for (String i : inject) {
            String[] kv = i.split("=", 2);
            if (!java.util.Set.of("erp-outage", "webhook-storm", "malformed").contains(kv[0])) {
                System.err.println("unknown incident '" + kv[0] + "' (erp-outage=DURATION, webhook-storm, malformed)");
                return 2;
            }
            incidents.put(kv[0], kv.length > 1 ? kv[1] : "");
        }
        Duration outage = incidents.containsKey("erp-outage") ? dev.millwright.config.spec.Durations.parse(
                incidents.get("erp-outage").isEmpty() ? "30s" : incidents.get("erp-outage")) : null;
        if (incidents.containsKey("erp-outage") && outage == null) {
            System.err.println("erp-outage takes a duration, e.g. erp-outage=60s");
            return 2;
        }
        PlantConfig plant = Environment.loadPlant(config);
        if (plant == null) return 2;
        SystemConfig eam = plant.systems().get("eam");
        Path eamExport = eam != null && eam.inbound().channel(InboundFiles.class) != null ? eam.inbound().channel(InboundFiles.class).dir() : Path.of("data/inbound/eam-completions");
        for (SystemConfig s : plant.systems().values()) {
            if (s.inbound().channel(InboundFiles.class) != null) Files.createDirectories(s.inbound().channel(InboundFiles.class).dir());
        }
        PlantInABox box;
        try {
            box = PlantInABox.start(config.resolve("secrets"), PlantInABox.Settings.demo(eamExport), null, Clock.systemUTC());
        } catch (IOException e) {
            System.err.println("millwright could not start the simulated systems: " + e.getMessage()
                    + " (ports 9101-9105 must be free: is another demo or `millwright simulate` running?)");
            return 1;
        }
        Runtime.getRuntime().addShutdownHook(new Thread(box::close, "simulators-shutdown"));
        // The demo starts from a clean slate: the simulators' numbers start afresh, so the hub's store must too.
        Path dataDir = Path.of(Environment.env("MILLWRIGHT_DATA_DIR", "data")).resolve("demo");
        wipe(dataDir);
        String token = Environment.adminToken();
        String qmsToken = Files.readString(config.resolve("secrets/qms-api.token")).strip();
        return RunCommand.serve(plant, null, port, token, dataDir, hubPort -> {
            URI hub = URI.create("http://127.0.0.1:" + hubPort);
            box.hub(hub);
            printWhere(box, hub, token);
            printViewer(hub, token);
            if (incidents.containsKey("webhook-storm")) box.qms.storm(5);
            if (outage != null) {
                box.erp.down(outage);
                System.out.println("incident: the ERP refuses connections for " + outage.toSeconds() + " s");
            }
            if (incidents.containsKey("malformed")) malformed(hub, eamExport);
            try {
                System.out.println("\nclosed loop: one nonconformance from the failed inspection to the released lot\n");
                long t0 = System.nanoTime();
                ClosedLoop.Result result = new ClosedLoop(box, qmsToken, System.out::println)
                        .run("LOT-4711", "CNC-07", (outage == null ? Duration.ZERO : outage).plus(Duration.ofSeconds(60)));
                System.out.printf("%nclosed loop: %s in %.1f s%n", result.passed() ? "every system ended as expected" : "FAILED",
                        (System.nanoTime() - t0) / 1e9);
                result.problems().forEach(p -> System.out.println("  - " + p));
                Path diagram = dataDir.resolve("closed-loop.mmd");
                Files.writeString(diagram, result.sequenceDiagram());
                System.out.println("the run as a sequence diagram (Mermaid): " + diagram);
                box.qms.storm(1);
                if (once) return result.passed() ? 0 : 1;
            } catch (IOException e) {
                System.out.println("closed loop: could not run: " + e.getMessage());
                if (once) return 1;
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return 1;
            }
            System.out.println("\nthe plant keeps working (an inspection every 3 s, " + Math.round(failureRate * 100)
                    + "% failing; confirmations; a breakdown now and then); stop with Ctrl-C\n");
            ScenarioDriver driver = new ScenarioDriver(box, qmsToken, hub, token, failureRate, System.out::println).start(Duration.ofSeconds(3));
            Runtime.getRuntime().addShutdownHook(new Thread(driver::close, "scenario-shutdown"));
            return null;
        });
    }

    private static void wipe(Path dir) throws IOException {
        if (!Files.exists(dir)) return;
        try (Stream<Path> all = Files.walk(dir)) {
            for (Path p : all.sorted(Comparator.reverseOrder()).toList()) Files.delete(p);
        }
    }

    private static void printWhere(PlantInABox box, URI hub, String token) {
        System.out.printf("""

                The plant in a box (each system shows its state at /_state and takes failure orders at /_admin):
                  ERP  SAP S/4HANA OData V2   %s/sap/opu/odata/sap   (OAuth2 client credentials + CSRF token)
                  EAM  IBM Maximo OSLC/JSON   %s/maximo/oslc/os      (apikey header; CSV export of completions)
                  QMS  SaaS REST + webhooks   %s/api/v2               (webhooks signed X-Hub-Signature-256 to the hub)
                  MES  REST + B2MML reports   %s/api/v1               (lots on hold; OperationsPerformance to the hub)
                  chat Mattermost API v4      %s/api/v4               (bot token; quality-leadership and maintenance channels)
                  hub                         %s                     (admin token: %s)

                Look at:
                  curl -s %s/_state | jq '.stock[] | select(.Material=="10045-BRG")'
                  curl -s %s/_state | jq '.workOrders'
                  curl -s %s/_state | jq '.capas'
                  curl -s %s/_state | jq '.lots[0]'
                  curl -s %s/_state | jq '.posts'
                  curl -s -H 'Authorization: Bearer %s' %s/api/v1/transactions/LOT-4711 | jq
                  curl -s -H 'Authorization: Bearer %s' '%s/api/v1/flow-instances?flow=nonconformance-to-capa' | jq
                  curl -s -H 'Authorization: Bearer %s' '%s/api/v1/alerts?state=firing' | jq     # dead ERP postings, an ERP queue behind
                  curl -s -X POST %s/_admin -d '{"downFor":"30s"}'     # take the ERP down for 30 s
                """, box.erp.baseUrl(), box.eam.baseUrl(), box.qms.baseUrl(), box.mes.baseUrl(), box.chat.baseUrl(), hub, token,
                box.erp.baseUrl(), box.eam.baseUrl(), box.qms.baseUrl(), box.mes.baseUrl(), box.chat.baseUrl(), token, hub, token, hub, token, hub, box.erp.baseUrl());
    }

    /**
     * A read-only token of the demo's plant, created through the API as an administrator would, so a user can see a
     * role's limits: it reads the plant's events and transactions; a retry or a token request answers 403.
     */
    private static void printViewer(URI hub, String adminToken) {
        try (HttpClient http = HttpClient.newHttpClient()) {
            HttpResponse<String> r = http.send(HttpRequest.newBuilder(hub.resolve("/api/v1/tokens"))
                    .header("Authorization", "Bearer " + adminToken).header("Content-Type", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofString("{\"name\":\"demo-viewer\",\"roles\":[\"viewer\"],\"plants\":[\"acme/plant-a\"]}"))
                    .build(), HttpResponse.BodyHandlers.ofString());
            if (r.statusCode() != 201) {
                System.out.println("viewer token: not created (" + r.statusCode() + " " + r.body() + ")");
                return;
            }
            String viewer = dev.millwright.event.Json.MAPPER.readTree(r.body()).get("token").asText();
            System.out.printf("""
                      console: %s/console — sign in with the admin token above, or with this viewer token (no retry or edit controls)
                      viewer token (reads plant acme/plant-a only; shown once): %s
                      curl -s -H 'Authorization: Bearer %s' %s/api/v1/transactions/LOT-4711 | jq '.flows'      # 200
                      curl -s -X POST -H 'Authorization: Bearer %s' %s/api/v1/deliveries/retry -d '{}' | jq   # 403: a viewer cannot retry
                    """, hub, viewer, viewer, hub, viewer, hub);
        } catch (IOException e) {
            System.out.println("viewer token: not created (" + e.getMessage() + ")");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Bad input at every door: a webhook with a wrong signature, one that is not JSON, a CSV export row that cannot be mapped. */
    private static void malformed(URI hub, Path eamExport) {
        try (HttpClient http = HttpClient.newHttpClient()) {
            for (String[] bad : new String[][]{{"sha256=00", "{\"type\":\"inspection.failed\"}"}, {null, "{not json"}}) {
                HttpRequest.Builder b = HttpRequest.newBuilder(hub.resolve("/api/v1/inbound/qms")).header("Content-Type", "application/json");
                if (bad[0] != null) b.header("X-Hub-Signature-256", bad[0]);
                int status = http.send(b.POST(HttpRequest.BodyPublishers.ofString(bad[1])).build(), HttpResponse.BodyHandlers.discarding()).statusCode();
                System.out.println("incident: a malformed QMS webhook → hub answered " + status + " and stored nothing");
            }
            Files.writeString(eamExport.resolve("WOCOMP_malformed.csv"), "wonum,siteid,assetnum,actfinish,linetype\n9999,PLANT-A,CNC-07,yesterday,MATERIAL\n",
                    StandardCharsets.UTF_8);
            System.out.println("incident: a malformed EAM export file → dead-lettered by the hub with the reason (GET /api/v1/inbound-failures)");
        } catch (IOException e) {
            System.out.println("incident: could not send malformed input: " + e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
