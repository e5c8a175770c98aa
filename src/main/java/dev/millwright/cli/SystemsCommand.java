package dev.millwright.cli;

import dev.millwright.health.Health;
import dev.millwright.config.PlantConfig;
import dev.millwright.config.SystemConfig;
import dev.millwright.delivery.Targets;
import dev.millwright.inbound.InboundConnector;
import dev.millwright.inbound.Readers;
import java.util.List;
import dev.millwright.mapping.Mappings;
import dev.millwright.metrics.HubMetrics;
import dev.millwright.delivery.Target;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.nio.file.Path;
import java.time.Clock;
import java.util.concurrent.Callable;

/** `millwright systems test NAME`: connectivity and authentication of one system, from this machine. */
@Command(name = "systems", description = "Work with a plant's systems.", subcommands = SystemsCommand.Test.class)
final class SystemsCommand {

    private static boolean print(String what, Health h) {
        System.out.printf("%s %s: %s%n  where: %s%n  auth: %s%n  answer: %s in %d ms%n", h.system(), what, h.ok() ? "OK" : "FAILED", h.where(), h.auth(),
                h.status() == null ? "none" : "HTTP " + h.status(), h.millis());
        if (!h.ok()) System.out.println("  problem: " + h.problem());
        return h.ok();
    }

    @Command(name = "test", description = "Check that a system is reachable and accepts the hub's credentials.")
    static final class Test implements Callable<Integer> {
        @Parameters(index = "0", description = "System name (a file in systems/).")
        String name;

        @Option(names = "--config", defaultValue = "plants/demo", description = "Plant folder (default: ${DEFAULT-VALUE}).")
        Path config;

        @Override
        public Integer call() throws Exception {
            PlantConfig plant = Environment.loadPlant(config);
            if (plant == null) return 2;
            SystemConfig system = plant.systems().get(name);
            Target target = system == null ? null : Targets.of(system, Clock.systemUTC(), null, Mappings.offline(plant.mappings()), new HubMetrics());
            List<InboundConnector.Reader> readers = system == null ? List.of() : Readers.of(system, null, Clock.systemUTC(), new HubMetrics());
            if (target == null && readers.isEmpty()) {
                System.out.println("no system '" + name + "' with an outbound connector or an inbound reader in " + config + "; known: "
                        + String.join(", ", plant.systems().keySet()));
                return 2;
            }
            boolean ok = true;
            if (target != null) {
                try (target) {
                    ok = print("outbound", target.check());
                }
            }
            for (InboundConnector.Reader reader : readers) ok &= print("inbound " + reader.channel(), reader.check());
            return ok ? 0 : 1;
        }
    }
}
