package dev.millwright.simulate;

import dev.millwright.support.TestPlant;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;

/** The shipped demo plant copied for a test, with its simulators on free ports and the environment that points it at them. */
public final class SimulatedPlant implements AutoCloseable {
    public final PlantInABox box;
    public final Path plant;
    public final Map<String, String> env = new HashMap<>();

    /** Simulators with a fast technician and export, and a copy of plants/demo with test hub settings in {@code dir}. */
    public SimulatedPlant(Path dir, String extraHubSettings) throws IOException {
        Path eamExport = dir.resolve("eam-export");
        box = PlantInABox.start(Path.of("plants/demo/secrets"),
                PlantInABox.Settings.fast(eamExport, Duration.ofMillis(300), Duration.ofSeconds(1)), null, Clock.systemUTC());
        plant = TestPlant.copyOf(Path.of("plants/demo"), dir.resolve("demo"));
        new TestPlant(plant).hub("""
                plant: demo-plant
                http: { host: 127.0.0.1, port: 0 }
                ingest: { groupCommitWindow: 1ms }
                delivery: { lanes: 16, leaseTtl: 12s, pollInterval: 200ms, drainTimeout: 5s }
                flows: { pollInterval: 200ms }
                """ + extraHubSettings);
        Files.writeString(plant.resolve("systems/cmms.yaml"), Files.readString(plant.resolve("systems/cmms.yaml"))
                .replace("data/exports/cmms", dir.resolve("cmms").toString()));
        // The same plant folder, pointed at the simulators through the environment, as a plant promotes it to real systems.
        env.putAll(Map.of(
                "ERP_URL", box.erp.baseUrl() + "/sap/opu/odata/sap",
                "ERP_TOKEN_URL", box.erp.baseUrl() + "/sap/bc/sec/oauth2/token",
                "ERP_RATE_LIMIT", "50",
                "EAM_URL", box.eam.baseUrl() + "/maximo/oslc/os",
                "EAM_EXPORT_DIR", eamExport.toString(),
                "QMS_URL", box.qms.baseUrl() + "/api/v2",
                "MES_URL", box.mes.baseUrl() + "/api/v1",
                "CHAT_URL", box.chat.baseUrl() + "/api/v4"));
    }

    @Override
    public void close() {
        box.close();
    }
}
