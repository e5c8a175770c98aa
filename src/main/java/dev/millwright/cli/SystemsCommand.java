package dev.millwright.cli;

import dev.millwright.config.PlantConfig;
import dev.millwright.config.SystemConfig;
import dev.millwright.delivery.Targets;
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
            if (target == null) {
                System.out.println("no system '" + name + "' with an outbound connector in " + config + "; known: " + String.join(", ", plant.systems().keySet()));
                return 2;
            }
            try (target) {
                Target.Health h = target.check();
                System.out.printf("%s: %s%n  where: %s%n  auth: %s%n  answer: %s in %d ms%n", name, h.ok() ? "OK" : "FAILED", h.where(), h.auth(),
                        h.status() == null ? "none" : "HTTP " + h.status(), h.millis());
                if (!h.ok()) System.out.println("  problem: " + h.problem());
                return h.ok() ? 0 : 1;
            }
        }
    }
}
