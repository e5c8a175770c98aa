package dev.millwright.cli;

import dev.millwright.config.spec.Durations;
import dev.millwright.simulate.PlantInABox;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;

/**
 * The simulated ERP, EAM and QMS alone, for an integrator to run a plant folder against before it touches production:
 * each with its own API shape, credentials, rules and failure orders.
 */
@Command(name = "simulate", description = "Run the simulated SAP-shaped ERP, Maximo-shaped EAM, SaaS QMS, MES and Mattermost-shaped chat until Ctrl-C.")
final class SimulateCommand implements Callable<Integer> {
    static {
        System.setProperty("sun.net.httpserver.nodelay", "true");
    }

    @Option(names = "--secrets", description = "Folder with the systems' credentials, as plants/demo/secrets has them (default: ${DEFAULT-VALUE}).",
            defaultValue = "plants/demo/secrets")
    Path secrets;

    @Option(names = "--hub", description = "The hub, where the QMS sends its webhooks and the MES its reports (default: ${DEFAULT-VALUE}).",
            defaultValue = "http://127.0.0.1:8080")
    URI hub;

    @Option(names = "--erp-port", defaultValue = "9101", description = "ERP port (default: ${DEFAULT-VALUE}).")
    int erpPort;

    @Option(names = "--eam-port", defaultValue = "9102", description = "EAM port (default: ${DEFAULT-VALUE}).")
    int eamPort;

    @Option(names = "--qms-port", defaultValue = "9103", description = "QMS port (default: ${DEFAULT-VALUE}).")
    int qmsPort;

    @Option(names = "--mes-port", defaultValue = "9104", description = "MES port (default: ${DEFAULT-VALUE}).")
    int mesPort;

    @Option(names = "--chat-port", defaultValue = "9105", description = "Chat port (default: ${DEFAULT-VALUE}).")
    int chatPort;

    @Option(names = "--mqtt", description = "HOST:PORT of an MQTT broker the MES publishes its machine states to (none by default).")
    String mqtt;

    @Option(names = "--state", description = "Folder where each system keeps its state (NAME.json) across restarts, so documents keep "
            + "their numbers; without it the state is in memory only.")
    Path state;

    @Option(names = "--eam-export", defaultValue = "data/inbound/eam-completions",
            description = "Folder the EAM writes its CSV export of completed work orders to (default: ${DEFAULT-VALUE}).")
    Path eamExport;

    @Option(names = "--export-every", defaultValue = "1h", description = "How often the EAM exports (Maximo: hourly; default: ${DEFAULT-VALUE}).")
    String exportEvery;

    @Option(names = "--repair-time", defaultValue = "30s", description = "After how long the EAM's technician completes a corrective "
            + "work order; 0s leaves work orders for you to move (default: ${DEFAULT-VALUE}).")
    String repairTime;

    @Override
    public Integer call() throws Exception {
        Duration every = Durations.parse(exportEvery), repair = Durations.parse(repairTime);
        if (every == null || every.isZero() || repair == null) {
            System.err.println("--export-every and --repair-time take durations such as 1h, 30s (export-every above 0)");
            return 2;
        }
        Files.createDirectories(eamExport);
        PlantInABox box;
        try {
            box = PlantInABox.start(secrets, new PlantInABox.Settings(erpPort, eamPort, qmsPort, mesPort, chatPort, eamExport, every, repair, state),
                    hub, Clock.systemUTC());
        } catch (IOException e) {
            System.err.println("millwright could not start the simulated systems: " + e.getMessage());
            return 1;
        }
        if (repair.isZero()) box.eam.repairTime(null);
        if (mqtt != null) {
            String[] hp = mqtt.split(":", 2);
            try {
                box.mes.broker(hp[0], hp.length > 1 ? Integer.parseInt(hp[1]) : 1883);
            } catch (RuntimeException e) {
                box.close();
                System.err.println("the MES cannot reach the MQTT broker " + mqtt + ": " + e.getMessage());
                return 1;
            }
        }
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            box.close();
            stopped.countDown();
        }, "simulators-shutdown"));
        System.out.printf("""
                simulated systems on 127.0.0.1 (credentials from %s):
                  ERP  %s/sap/opu/odata/sap   token: %s/sap/bc/sec/oauth2/token (client millwright)
                  EAM  %s/maximo/oslc/os      header apikey; completions exported to %s every %s
                  QMS  %s/api/v2               bearer token; webhooks to %s/api/v1/inbound/qms
                  MES  %s/api/v1               bearer token; production reports to %s/api/v1/inbound/mes
                  chat %s/api/v4               bearer token (bot); channels quality-leadership, maintenance
                each: GET /_state (what it holds), POST /_admin (failure orders), DELETE /_admin (back to normal)

                point a plant folder at them:
                  ERP_URL=%s/sap/opu/odata/sap ERP_TOKEN_URL=%s/sap/bc/sec/oauth2/token \\
                  EAM_URL=%s/maximo/oslc/os EAM_EXPORT_DIR=%s QMS_URL=%s/api/v2 MES_URL=%s/api/v1 CHAT_URL=%s/api/v4 \\
                  ./millwright run --config plants/demo
                stop with Ctrl-C
                """, secrets, box.erp.baseUrl(), box.erp.baseUrl(), box.eam.baseUrl(), eamExport, exportEvery, box.qms.baseUrl(), hub,
                box.mes.baseUrl(), hub, box.chat.baseUrl(), box.erp.baseUrl(), box.erp.baseUrl(), box.eam.baseUrl(), eamExport, box.qms.baseUrl(),
                box.mes.baseUrl(), box.chat.baseUrl());
        stopped.await();
        return 0;
    }
}
