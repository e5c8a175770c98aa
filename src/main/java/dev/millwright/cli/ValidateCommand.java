package dev.millwright.cli;

import dev.millwright.config.PlantConfig;
import dev.millwright.config.spec.ConfigException;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

import java.nio.file.Path;
import java.util.concurrent.Callable;

/** Checks a plant folder offline; exit code 0 when valid, 1 with every error listed otherwise. */
@Command(name = "validate", description = "Validate a plant folder offline.")
final class ValidateCommand implements Callable<Integer> {
    @Parameters(index = "0", description = "Plant folder.")
    Path dir;

    @Override
    public Integer call() {
        try {
            PlantConfig plant = PlantConfig.load(dir);
            System.out.println(dir + ": valid (" + plant.systems().size() + " systems, "
                    + plant.subscriptions().size() + " subscriptions)");
            return 0;
        } catch (ConfigException e) {
            Environment.printErrors(dir, e, "");
            return 1;
        }
    }
}
