package dev.millwright.cli;

import dev.millwright.config.PlantConfig;
import dev.millwright.config.spec.ConfigException;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;

/**
 * Checks a plant folder offline; exit code 0 when valid, 1 with every error listed otherwise. With --running, also
 * what its flow files change against the versions instances are running on.
 */
@Command(name = "validate", description = "Validate a plant folder offline.")
final class ValidateCommand implements Callable<Integer> {
    @Parameters(index = "0", description = "Plant folder.")
    Path dir;

    @Option(names = "--running", description = "Also show what the flow files change against the versions instances are running on "
            + "(reads the hub's database: MILLWRIGHT_DB_URL, or the embedded one in MILLWRIGHT_DATA_DIR when no hub holds it).")
    boolean running;

    @Option(names = "--env", description = "Check the plant with an environment's values over it (environments/NAME.yaml).")
    String environment;

    @Override
    public Integer call() throws java.io.IOException {
        PlantConfig plant;
        try {
            plant = PlantConfig.load(dir, System::getenv, environment);
        } catch (ConfigException e) {
            Environment.printErrors(dir, e, "");
            return 1;
        }
        System.out.println(dir + (environment == null ? "" : " in environment " + environment) + ": valid (" + plant.systems().size() + " systems, " + plant.subscriptions().size() + " subscriptions, "
                + plant.flows().size() + " flows" + (plant.alerts().isEmpty() ? "" : ", " + plant.alerts().size() + " alerts") + ")");
        if (running) {
            try (Environment.Store store = Environment.openStore()) {
                List<String> changes = dev.millwright.store.Jdbc.withConnection(store.db().dataSource(),
                        c -> new dev.millwright.flow.FlowCatalog(plant.flows()).changes(c));
                if (changes.isEmpty()) System.out.println("no running instance is on another version of these flows");
                changes.forEach(System.out::println);
            }
        }
        return 0;
    }
}
