package dev.millwright.config;

import dev.millwright.outbound.http.HttpOutbound;
import dev.millwright.config.spec.ConfigError;
import dev.millwright.config.spec.ConfigException;
import dev.millwright.support.TestPlant;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class PlantConfigTest {
    @TempDir
    Path dir;

    @Test
    void shippedDemoPlantIsValid() {
        PlantConfig demo = PlantConfig.load(Path.of("plants/demo"));
        assertThat(demo.systems()).containsKeys("erp", "eam");
        assertThat(demo.subscriptions()).extracting(Subscription::name).contains("cmms-inspections");
        assertThat(demo.flows()).extracting(dev.millwright.flow.Flow::name)
                .containsExactlyInAnyOrder("nonconformance-to-capa", "breakdown-to-spares", "confirmation-to-inventory", "maintenance-to-cost");
    }

    @Test
    void defaultsAndSecretReferencesAreApplied() {
        new TestPlant(dir).system("erp", "http://127.0.0.1:9", """
                headers: { Authorization: "Bearer ${env:ERP_TOKEN}", Accept: application/json }
                """);
        PlantConfig plant = PlantConfig.load(dir, Map.of("ERP_TOKEN", "s3cret")::get);
        HttpOutbound http = plant.systems().get("erp").outbound(HttpOutbound.class);
        assertThat(http.headers().get("Authorization").value()).isEqualTo("Bearer s3cret");
        assertThat(http.headers().toString()).doesNotContain("s3cret");
        assertThat(http.retry().maxAttempts()).isEqualTo(10);
        assertThat(http.timeout()).isEqualTo(Duration.ofSeconds(1));
        assertThat(plant.hub().retention().deliveredAfter()).isEqualTo(Duration.ofDays(7));
    }

    @Test
    void everyErrorNamesFileLineAndKey() {
        new TestPlant(dir)
                .hub("""
                        plant: p
                        http:
                          port: seventy
                          colour: blue
                        """)
                .write("systems/erp.yaml", """
                        name: erp
                        outbound:
                          http:
                            baseUrl: ftp://nowhere
                            timeout: 5 seconds
                            headers: { Authorization: Bearer abc123 }
                        """)
                .write("subscriptions/holds.yaml", """
                        name: holds
                        on: quality.inspection.failed
                        deliver: { system: mes, path: holds }
                        orderBy: data..lot
                        """);
        List<ConfigError> errors = errors();
        assertThat(errors).extracting(ConfigError::toString).contains(
                "millwright.yaml:3: http.port: 'seventy' is not a whole number",
                "systems/erp.yaml:4: outbound.http.baseUrl: 'ftp://nowhere' is not an http(s) URL with a host",
                "systems/erp.yaml:5: outbound.http.timeout: '5 seconds' is not a duration (write 500ms, 10s, 5m, 1h or 7d)");
        assertThat(errors).anySatisfy(e -> {
            assertThat(e.file()).isEqualTo("millwright.yaml");
            assertThat(e.line()).isEqualTo(4);
            assertThat(e.key()).isEqualTo("http.colour");
            assertThat(e.message()).startsWith("unknown key");
        });
        assertThat(errors).anySatisfy(e -> {
            assertThat(e.key()).isEqualTo("outbound.http.headers.Authorization");
            assertThat(e.message()).contains("looks like a secret");
        });
    }

    @Test
    void referencesToUnknownSystemsAndBadOrderingKeysAreErrors() {
        new TestPlant(dir).system("erp", "http://127.0.0.1:9")
                .write("subscriptions/holds.yaml", """
                        name: holds
                        on: quality.inspection.failed
                        deliver: { system: mes, path: holds }
                        orderBy: data..lot
                        """);
        assertThat(errors()).extracting(ConfigError::toString).containsExactlyInAnyOrder(
                "subscriptions/holds.yaml:3: deliver.system: unknown system 'mes'; known systems: erp",
                "subscriptions/holds.yaml:4: orderBy: 'data..lot' is neither an attribute name (subject, source, ...) nor a data path (data.lot.id)",
                "subscriptions/holds.yaml:3: deliver.path: must start with '/'");
    }

    @Test
    void anyValueMayComeFromTheEnvironmentAndIsCheckedAsTheValueItBecomes() {
        new TestPlant(dir).hub("plant: p\nhttp: { port: \"${env:HUB_PORT:-8181}\" }\n")
                .write("systems/erp.yaml", """
                        name: erp
                        outbound:
                          http:
                            baseUrl: ${env:ERP_URL}
                            rateLimit: ${env:ERP_RATE:-25}
                            auth: { type: apiKey, apiKey: { header: Authorization, value: "token ${env:ERP_KEY}:${env:ERP_SECRET}" } }
                        """);
        PlantConfig plant = PlantConfig.load(dir, Map.of("ERP_URL", "http://sap.plant-a.example:8000/sap/opu/odata/sap",
                "ERP_KEY", "k", "ERP_SECRET", "s")::get);
        assertThat(plant.hub().http().port()).isEqualTo(8181);
        assertThat(plant.systems().get("erp").outbound(HttpOutbound.class).baseUrl().toString()).isEqualTo("http://sap.plant-a.example:8000/sap/opu/odata/sap");
        assertThat(plant.systems().get("erp").outbound(HttpOutbound.class).rateLimit()).isEqualTo(25.0);
        assertThat(plant.systems().get("erp").outbound(HttpOutbound.class).auth().apiKey().value().value()).isEqualTo("token k:s");

        assertThatThrownBy(() -> PlantConfig.load(dir, Map.of("ERP_URL", "ftp://files", "HUB_PORT", "eighty", "ERP_KEY", "k", "ERP_SECRET", "s")::get))
                .isInstanceOf(ConfigException.class)
                .satisfies(e -> assertThat(((ConfigException) e).errors()).extracting(ConfigError::toString).containsExactlyInAnyOrder(
                        "millwright.yaml:2: http.port: 'eighty' is not a whole number",
                        "systems/erp.yaml:4: outbound.http.baseUrl: 'ftp://files' is not an http(s) URL with a host"));
        assertThatThrownBy(() -> PlantConfig.load(dir, Map.<String, String>of()::get))
                .satisfies(e -> assertThat(((ConfigException) e).errors()).extracting(ConfigError::toString).contains(
                        "systems/erp.yaml:4: outbound.http.baseUrl: environment variable ERP_URL is not set (write ${env:ERP_URL:-DEFAULT} for a value to use when it is not)"));
    }

    @Test
    void anEnvironmentsValuesGoOverThePlantFilesAndItsMistakesAreReportedWhereTheyAre() throws Exception {
        new TestPlant(dir).system("erp", "http://127.0.0.1:9101/sap", "rateLimit: 20\n")
                .write("environments/production.yaml", """
                        # production: the real ERP, and the hub on its own port
                        systems/erp.yaml:
                          outbound:
                            http: { baseUrl: "https://sap.plant-a.example/sap/opu/odata/sap", timeout: 1500ms }
                        millwright.yaml:
                          http: { port: 8443 }
                        """)
                .write("environments/broken.yaml", """
                        systems/erp.yaml:
                          outbound:
                            http:
                              rateLimit: lots
                        systems/mes.yaml:
                          outbound: {}
                        """);
        PlantConfig simulated = PlantConfig.load(dir, Map.<String, String>of()::get, null);
        PlantConfig production = PlantConfig.load(dir, Map.<String, String>of()::get, "production");
        assertThat(simulated.systems().get("erp").outbound(HttpOutbound.class).baseUrl().toString()).isEqualTo("http://127.0.0.1:9101/sap");
        assertThat(production.systems().get("erp").outbound(HttpOutbound.class).baseUrl().toString()).isEqualTo("https://sap.plant-a.example/sap/opu/odata/sap");
        assertThat(production.systems().get("erp").outbound(HttpOutbound.class).timeout()).isEqualTo(Duration.ofMillis(1500));
        assertThat(production.systems().get("erp").outbound(HttpOutbound.class).rateLimit()).as("what the environment does not name stays").isEqualTo(20.0);
        assertThat(production.hub().http().port()).isEqualTo(8443);

        assertThatThrownBy(() -> PlantConfig.load(dir, Map.<String, String>of()::get, "broken"))
                .satisfies(e -> assertThat(((ConfigException) e).errors()).extracting(ConfigError::toString).containsExactlyInAnyOrder(
                        "environments/broken.yaml:5: systems/mes.yaml: no such file in the plant folder (a key names a plant file, e.g. systems/erp.yaml)",
                        "environments/broken.yaml:4: outbound.http.rateLimit: 'lots' is not a number"));
        assertThatThrownBy(() -> PlantConfig.load(dir, Map.<String, String>of()::get, "staging"))
                .satisfies(e -> assertThat(((ConfigException) e).errors()).extracting(ConfigError::toString).containsExactly(
                        "environments/staging.yaml:1: no such environment: the plant folder has no environments/staging.yaml"));
    }

    @Test
    void placeholdersThatCannotBeFilledAreErrors() {
        new TestPlant(dir).system("erp", "http://127.0.0.1:9", """
                        operations:
                          post: { path: "/A_Batch(Batch='{data.lot id}')", headers: { If-Match: "{data.etag" } }
                          stock: { method: GET, path: "/stock/{data.material}" }
                          bulk: { path: "/batches/{data.lot}", batch: { maxItems: 10 } }
                        """)
                .write("subscriptions/holds.yaml", "name: holds\non: q.failed\ndeliver: { system: erp, path: \"/holds/{}\" }\n");
        assertThat(errors()).extracting(ConfigError::toString).containsExactlyInAnyOrder(
                "systems/erp.yaml:1: outbound.http.operations.post.path: '{data.lot id}' is not a placeholder: write {subject} (a CloudEvents attribute) or {data.some.field}",
                "systems/erp.yaml:1: outbound.http.operations.post.headers.If-Match: '{data.etag' is not a placeholder: write {subject} (a CloudEvents attribute) or {data.some.field}",
                "systems/erp.yaml:1: outbound.http.operations.stock.path: '{data.material}': a GET operation's path is filled only with the key $fetch passes, {key}",
                "systems/erp.yaml:1: outbound.http.operations.bulk.batch.path: a bulk call carries many events, so its path cannot have placeholders filled from one of them; set batch.path to the bulk endpoint",
                "subscriptions/holds.yaml:3: deliver.path: '{}' is not a placeholder: write {subject} (a CloudEvents attribute) or {data.some.field}");
    }

    @Test
    void leaseMustOutlastTwoOutboundTimeouts() {
        new TestPlant(dir).hub("plant: p\ndelivery: { leaseTtl: 5s }\n").system("erp", "http://127.0.0.1:9", "timeout: 4s\n");
        assertThat(errors()).extracting(ConfigError::toString).containsExactly(
                "millwright.yaml:1: delivery.leaseTtl: must be at least twice the longest outbound call, timeout plus batch wait (erp: 4000 ms), so a call never outlives a lane lease");
    }

    @Test
    void aSystemHasOneOutboundConnector() {
        new TestPlant(dir).system("erp", "http://127.0.0.1:9").write("systems/mes.yaml", """
                name: mes
                outbound:
                  http: { baseUrl: "http://127.0.0.1:9" }
                  mqtt:
                    broker: { host: 127.0.0.1, port: 1883 }
                    topic: mes/{type}
                """);
        assertThat(errors()).extracting(ConfigError::toString).containsExactly(
                "systems/mes.yaml:4: outbound.mqtt: a system has one outbound connector and this one declares http and mqtt; "
                        + "describe the other as a system of its own");
    }

    @Test
    void missingSecretAndBadYamlAreReported() {
        new TestPlant(dir).system("erp", "http://127.0.0.1:9", """
                headers: { X-Api-Key: "${env:NOT_SET_ANYWHERE}" }
                """).write("subscriptions/broken.yaml", "name: broken\non: [unclosed\n");
        assertThat(errors()).extracting(ConfigError::toString).anyMatch(s -> s.startsWith(
                "systems/erp.yaml:6: outbound.http.headers.X-Api-Key: environment variable NOT_SET_ANYWHERE is not set"))
                .anyMatch(s -> s.startsWith("subscriptions/broken.yaml:3: not valid YAML"));
    }

    @Test
    void nameMustMatchFileAndRequiredKeysAreNamed() {
        new TestPlant(dir).write("systems/erp.yaml", "name: sap\n")
                .write("subscriptions/holds.yaml", "name: holds\n");
        assertThat(errors()).extracting(ConfigError::toString).contains(
                "systems/erp.yaml:1: name: 'sap' must match the file name 'erp'",
                "subscriptions/holds.yaml:1: on: is required (string)",
                "subscriptions/holds.yaml:1: deliver: is required (mapping)");
    }

    private List<ConfigError> errors() {
        try {
            PlantConfig.load(dir, name -> null);
        } catch (ConfigException e) {
            return e.errors();
        }
        throw new AssertionError("expected configuration errors");
    }
}
