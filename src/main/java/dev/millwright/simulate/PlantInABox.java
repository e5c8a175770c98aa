package dev.millwright.simulate;

import dev.millwright.simulate.chat.Mattermost;
import dev.millwright.simulate.eam.MaximoEam;
import dev.millwright.simulate.erp.SapErp;
import dev.millwright.simulate.mes.Mes;
import dev.millwright.simulate.qms.Qms;

import java.io.IOException;
import java.math.BigDecimal;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;

/**
 * The demo plant's systems, simulated: an SAP-shaped ERP, a Maximo-shaped EAM, a SaaS QMS, an MES and
 * a Mattermost-shaped team chat, with the master data and stock of plant 1000 and the credentials the plant folder's
 * secrets hold. Used by
 * {@code ./millwright simulate}, the demo and tests.
 */
public final class PlantInABox implements AutoCloseable {
    /** Where the simulators listen (0 picks free ports) and how fast the plant moves. */
    /** @param stateDir where each system keeps its state (NAME.json) across restarts; null: memory only */
    public record Settings(int erpPort, int eamPort, int qmsPort, int mesPort, int chatPort, Path eamExportDir, Duration exportEvery,
                           Duration repairTime, Path stateDir) {
        public static Settings demo(Path eamExportDir) {
            return new Settings(9101, 9102, 9103, 9104, 9105, eamExportDir, Duration.ofSeconds(2), Duration.ofSeconds(2), null);
        }

        /** Free ports, a fast technician and export, memory only: for tests. */
        public static Settings fast(Path eamExportDir, Duration exportEvery, Duration repairTime) {
            return new Settings(0, 0, 0, 0, 0, eamExportDir, exportEvery, repairTime, null);
        }
    }

    public static final String PLANT = "1000";
    public static final String LOT_MATERIAL = "4711-PH7";
    /** Calls per second the simulated ERP takes before it answers 429, as an SAP API Management policy does. */
    public static final int ERP_API_LIMIT = 50;
    /** The chat channels quality leadership and the maintenance team read (the bot is a member of these only). */
    public static final String QUALITY_CHANNEL = "quality-leadership", MAINTENANCE_CHANNEL = "maintenance";

    public final SapErp erp;
    public final MaximoEam eam;
    public final Qms qms;
    public final Mes mes;
    public final Mattermost chat;

    private PlantInABox(SapErp erp, MaximoEam eam, Qms qms, Mes mes, Mattermost chat) {
        this.erp = erp;
        this.eam = eam;
        this.qms = qms;
        this.mes = mes;
        this.chat = chat;
    }

    /**
     * @param secrets the plant folder's secrets (erp-client.secret, eam-api.key, qms-api.token, qms-webhook.key, mes-api.token, mes-hub.token,
     *                chat-bot.token)
     * @param hub the hub's base URL, where the QMS sends its webhooks and the MES its reports, or null for none yet
     */
    public static PlantInABox start(Path secrets, Settings settings, URI hub, Clock clock) throws IOException {
        SapErp erp = null;
        MaximoEam eam = null;
        Qms qms = null;
        Mes mes = null;
        Mattermost chat = null;
        try {
            erp = new SapErp(settings.erpPort(), "millwright", secret(secrets, "erp-client.secret"), clock)
                    .material(LOT_MATERIAL, "EA").material("4711-SK3", "EA").material("4711-C7", "EA")
                    .material("10045-BRG", "EA").material("10046-SEAL", "EA")
                    .stock("10045-BRG", PLANT, "MRO-01", null, new BigDecimal("40"))
                    .stock("10046-SEAL", PLANT, "MRO-01", null, new BigDecimal("25"))
                    .stock("4711-C7", PLANT, "RAW-01", null, new BigDecimal("1000"))
                    .stock("4711-SK3", PLANT, "RAW-01", null, new BigDecimal("500"));
            for (int lot = 4711; lot <= 4730; lot++) erp.stock(LOT_MATERIAL, PLANT, "FG-01", "LOT-" + lot, new BigDecimal("100"));
            erp.faults().baselineApiLimit(ERP_API_LIMIT);
            eam = new MaximoEam(settings.eamPort(), secret(secrets, "eam-api.key"), clock, settings.eamExportDir(), settings.exportEvery())
                    .asset(new MaximoEam.Asset("CNC-07", "PLANT-A", "LINE-2/CELL-7", "5-axis machining centre", 2.5, "MECH",
                            List.of(new MaximoEam.Part("BRG6205", 2, "EA", "MRO-01"), new MaximoEam.Part("SEAL40", 1, "EA", "MRO-01")),
                            "SPINDLE", "WEAR", "REPLACE"))
                    .asset(new MaximoEam.Asset("PRESS-2", "PLANT-A", "LINE-1/PRESS", "Hydraulic press 250 t", 0.5, "MECH",
                            List.of(new MaximoEam.Part("SEAL40", 2, "EA", "MRO-01")), "HYDRAULIC", "LEAK", "RESEAL"))
                    .asset(new MaximoEam.Asset("LATHE-3", "PLANT-A", "LINE-2/CELL-3", "CNC lathe", 1.0, "ELEC",
                            List.of(), "DRIVE", "OVERLOAD", "RESET"))
                    .repairTime(settings.repairTime());
            qms = new Qms(settings.qmsPort(), secret(secrets, "qms-api.token"), secret(secrets, "qms-webhook.key"),
                    hub == null ? null : hub.resolve("/api/v1/inbound/qms"), clock)
                    .plan(new Qms.Plan("IP-PH7", "PUMP-HOUSING-7", List.of(
                            new Qms.Characteristic("bore diameter", 25.0, 24.8, 25.2, "mm", "DIM-OOT"),
                            new Qms.Characteristic("surface roughness", 0.8, 0.0, 1.6, "um", "SURF-SCR"))));
            mes = new Mes(settings.mesPort(), secret(secrets, "mes-api.token"), secret(secrets, "mes-hub.token"),
                    hub == null ? null : hub.resolve("/api/v1/inbound/mes"), clock);
            for (int lot = 4711; lot <= 4730; lot++) {
                // Five lots to a casting batch, the castings bought from one foundry.
                mes.order("PO-" + (100000 + lot), "PUMP-HOUSING-7", 100, "LOT-" + lot)
                        .consumed("LOT-" + lot, new Mes.Component("CASTING-7", "CB-" + (2291 + (lot - 4711) / 5), "SUP-0042", 100));
            }
            chat = new Mattermost(settings.chatPort(), secret(secrets, "chat-bot.token"), java.util.Set.of(QUALITY_CHANNEL, MAINTENANCE_CHANNEL), clock);
            PlantInABox box = new PlantInABox(erp, eam, qms, mes, chat);
            if (settings.stateDir() != null) {
                java.nio.file.Files.createDirectories(settings.stateDir());
                for (SimServer sim : List.of(erp, eam, qms, mes, chat)) sim.keepStateIn(settings.stateDir().resolve(sim.name() + ".json"));
            }
            return box;
        } catch (IOException | RuntimeException e) {
            for (SimServer started : new SimServer[]{erp, eam, qms, mes, chat}) if (started != null) started.close();
            throw e;
        }
    }

    private static String secret(Path dir, String name) throws IOException {
        return Files.readString(dir.resolve(name)).strip();
    }

    /** Tells the QMS and the MES where the hub is (its base URL). */
    public void hub(URI hub) {
        qms.webhookUrl(hub.resolve("/api/v1/inbound/qms"));
        mes.performanceUrl(hub.resolve("/api/v1/inbound/mes"));
    }

    @Override
    public void close() {
        chat.close();
        mes.close();
        qms.close();
        eam.close();
        erp.close();
    }
}
