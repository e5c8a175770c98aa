package dev.millwright.cli;

import com.sun.net.httpserver.HttpServer;
import dev.millwright.config.PlantConfig;
import dev.millwright.config.SystemConfig;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.Callable;
import java.util.concurrent.Executors;

/**
 * The demo: a hub on the demo plant with an embedded PostgreSQL, stand-in ERP, EAM and QMS receivers on
 * 127.0.0.1 (the plant's systems), and a failed inspection sent in; the nonconformance-to-CAPA flow holds the lot,
 * opens a work order, and — once the demo reports the repair done — issues the parts, updates the CAPA and releases
 * the lot, while maintenance-to-cost posts the repair's labour.
 */
@Command(name = "demo", description = "Run the hub on the demo plant with stand-in ERP/EAM/QMS receivers and close one loop.")
final class DemoCommand implements Callable<Integer> {
    static {
        System.setProperty("sun.net.httpserver.nodelay", "true"); // answer at once, not after a delayed ACK
    }

    @Option(names = "--config", description = "Plant folder (default: ${DEFAULT-VALUE}).", defaultValue = "plants/demo")
    Path config;

    @Option(names = "--port", description = "Hub port (default: the plant's http.port).")
    Integer port;

    @Override
    public Integer call() throws Exception {
        PlantConfig plant = PlantConfig.load(config);
        List<HttpServer> receivers = new ArrayList<>();
        for (SystemConfig system : plant.systems().values()) {
            if (system.http() != null) receivers.add(receiver(system.name(), system.http().baseUrl()));
            // The folders the demo's systems drop files into (a real plant's exist; the demo makes its own).
            if (system.inbound().files() != null) java.nio.file.Files.createDirectories(system.inbound().files().dir());
        }
        String token = Environment.adminToken();
        // The same token for the hub and for the sample and the curl lines printed below.
        return RunCommand.serve(plant, null, port, token, hubPort -> sendSample(hubPort, token));
    }

    /** A stand-in for a plant system: prints what it receives and answers 201 with a document number of its own. */
    private static HttpServer receiver(String name, URI baseUrl) throws IOException {
        HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", baseUrl.getPort()), 64);
        server.setExecutor(Executors.newVirtualThreadPerTaskExecutor());
        java.util.concurrent.atomic.AtomicInteger numbers = new java.util.concurrent.atomic.AtomicInteger(1000);
        server.createContext("/", exchange -> {
            String body = new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
            String id = name.toUpperCase(java.util.Locale.ROOT) + "-" + numbers.incrementAndGet();
            System.out.printf("[%s] %s %s Idempotency-Key=%s %s → %s%n", name, exchange.getRequestMethod(),
                    exchange.getRequestURI(), exchange.getRequestHeaders().getFirst("Idempotency-Key"),
                    body.length() > 160 ? body.substring(0, 160) + "…" : body, id);
            byte[] answer = ("{\"id\":\"" + id + "\"}").getBytes(StandardCharsets.UTF_8);
            exchange.getResponseHeaders().add("Content-Type", "application/json");
            exchange.sendResponseHeaders(201, answer.length);
            exchange.getResponseBody().write(answer);
            exchange.close();
        });
        server.start();
        System.out.println("stand-in " + name + " listening on " + baseUrl);
        return server;
    }

    /**
     * Plays the EAM's part in the loop: once the flow for LOT-4711 waits for its repair, reports the work order it
     * opened as completed (two spare parts, labour, root cause), so the goods issues, cost, CAPA and release follow.
     */
    private static void completeRepair(HttpClient client, String hub, String token) throws IOException, InterruptedException {
        long deadline = System.nanoTime() + java.time.Duration.ofSeconds(30).toNanos();
        String workOrder = null;
        while (workOrder == null && System.nanoTime() < deadline) {
            HttpResponse<String> r = client.send(HttpRequest.newBuilder(URI.create(hub
                            + "/api/v1/flow-instances?flow=nonconformance-to-capa&key=LOT-4711&state=waiting"))
                    .header("Authorization", "Bearer " + token).build(), HttpResponse.BodyHandlers.ofString());
            var items = dev.millwright.event.Json.MAPPER.readTree(r.body()).path("items");
            if (!items.isEmpty() && items.get(0).path("step").asText().equals("await-repair")) {
                workOrder = items.get(0).path("vars").path("workOrder").path("id").asText();
            } else {
                Thread.sleep(200);
            }
        }
        if (workOrder == null) {
            System.out.println("the nonconformance-to-capa flow for LOT-4711 did not reach its wait for the repair; see the flow-instances API");
            return;
        }
        String completion = """
                {"specversion":"1.0","id":"%s","source":"eam://plant-a","type":"maintenance.workorder.completed","plant":"acme/plant-a",
                 "correlationid":"%s","datacontenttype":"application/json",
                 "data":{"workOrderId":"%2$s","assetId":"CNC-07","completedAt":"%s",
                         "labor":[{"craft":"mechanic","hours":{"value":2.5,"unit":"h"}}],
                         "parts":[{"materialId":"BRG-6205","quantity":{"value":2,"unit":"EA"},"storageLocation":"MRO-01"},
                                  {"materialId":"SEAL-40","quantity":{"value":1,"unit":"EA"},"storageLocation":"MRO-01"}],
                         "causeCode":"BEARING-WEAR","remedyCode":"REPLACE"}}
                """.formatted(UUID.randomUUID(), workOrder, OffsetDateTime.now().withNano(0));
        HttpResponse<String> sent = client.send(HttpRequest.newBuilder(URI.create(hub + "/api/v1/events"))
                .header("Authorization", "Bearer " + token).header("Content-Type", "application/cloudevents+json")
                .POST(HttpRequest.BodyPublishers.ofString(completion)).build(), HttpResponse.BodyHandlers.ofString());
        System.out.println("EAM reports work order " + workOrder + " completed (2 parts, 2.5 h, root cause BEARING-WEAR): " + sent.statusCode()
                + "; nonconformance-to-capa now issues the parts, updates the CAPA and releases the lot, and maintenance-to-cost posts the labour");
    }

    private static void sendSample(int hubPort, String token) {
        String hub = "http://127.0.0.1:" + hubPort;
        String event = """
                {"specversion":"1.0","id":"%s","source":"qms://plant-a/inspection","type":"quality.inspection.failed",
                 "dataschema":"https://millwright.dev/contracts/quality.inspection.failed/v1","subject":"LOT-4711","time":"%s",
                 "plant":"acme/plant-a","correlationid":"INSP-1002","datacontenttype":"application/json",
                 "data":{"inspectionId":"INSP-1002","lotId":"LOT-4711","materialId":"PUMP-HOUSING-7","result":"fail",
                         "inspectedAt":"%2$s","equipment":{"id":"CNC-07","level":"WorkCell"},
                         "characteristics":[{"name":"bore diameter","nominal":25.0,"lowerLimit":24.8,"upperLimit":25.2,
                                             "measured":25.31,"unit":"mm","result":"fail","defectCode":"DIM-OOT"}]}}
                """.formatted(UUID.randomUUID(), OffsetDateTime.now().withNano(0));
        try (HttpClient client = HttpClient.newHttpClient()) {
            HttpResponse<String> response = client.send(HttpRequest.newBuilder(URI.create(hub + "/api/v1/events"))
                    .header("Authorization", "Bearer " + token)
                    .header("Content-Type", "application/cloudevents+json")
                    .POST(HttpRequest.BodyPublishers.ofString(event)).build(), HttpResponse.BodyHandlers.ofString());
            System.out.println("sent a sample failed inspection: " + response.statusCode() + " " + response.body());
            // The same kind of fact as the QMS's own signed JSON, through its inbound webhook and mapping.
            String payload = """
                    {"inspection": {"no": "INSP-%d", "lot": "LOT-4712", "material": "PUMP-HOUSING-7", "result": "FAIL",
                     "at": "%s", "checks": [{"name": "bore diameter", "value": "25.28", "unit": "mm", "ok": false}]}}"""
                    .formatted(System.currentTimeMillis() % 100000, OffsetDateTime.now().withNano(0));
            String timestamp = Long.toString(java.time.Instant.now().getEpochSecond());
            String key = java.nio.file.Files.readString(java.nio.file.Path.of("plants/demo/secrets/qms-webhook.key")).strip();
            HttpResponse<String> webhook = client.send(HttpRequest.newBuilder(URI.create(hub + "/api/v1/inbound/qms"))
                    .header("Content-Type", "application/json")
                    .header("X-Timestamp", timestamp)
                    .header("X-Signature", "sha256=" + dev.millwright.inbound.WebhookReceiver.hmac(key, timestamp + "." + payload))
                    .POST(HttpRequest.BodyPublishers.ofString(payload)).build(), HttpResponse.BodyHandlers.ofString());
            System.out.println("sent a signed QMS webhook: " + webhook.statusCode() + " " + webhook.body());
            completeRepair(client, hub, token);
        } catch (IOException e) {
            System.out.println("could not send the sample events: " + e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        System.out.printf("""

                Try:
                  curl -s -H 'Authorization: Bearer %2$s' %1$s/api/v1/flow-instances?flow=nonconformance-to-capa
                  curl -s -H 'Authorization: Bearer %2$s' %1$s/api/v1/flow-instances/1      # one instance's timeline
                  curl -s -H 'Authorization: Bearer %2$s' %1$s/api/v1/deliveries
                  curl -s -H 'Authorization: Bearer %2$s' %1$s/api/v1/events?type=quality.inspection.failed
                  curl -s -H 'Authorization: Bearer %2$s' %1$s/api/v1/contracts
                  curl -s -H 'Authorization: Bearer %2$s' %1$s/metrics | grep millwright_
                  ls data/exports/cmms/inspections      # the CMMS's file exports
                  # the EAM's hourly CSV of closed work orders goes into data/inbound/eam-completions/
                %n""", hub, token);
    }
}
