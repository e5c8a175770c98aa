package dev.millwright.cli;

import dev.millwright.config.HubSettings;
import dev.millwright.config.PlantConfig;
import dev.millwright.hub.Hub;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.time.Clock;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;

/** Runs a hub node until SIGTERM/SIGINT, then drains. */
@Command(name = "run", description = "Run a hub node for a plant folder.")
final class RunCommand implements Callable<Integer> {
    @Option(names = "--config", description = "Plant folder (default: ${DEFAULT-VALUE}).", defaultValue = "plants/demo")
    Path config;

    @Option(names = "--host", description = "Listen address (default: the plant's http.host).")
    String host;

    @Option(names = "--port", description = "Listen port (default: the plant's http.port).")
    Integer port;

    @Option(names = "--env", description = "Run with an environment's values over the plant files (environments/NAME.yaml).")
    String environment;

    @Override
    public Integer call() throws Exception {
        PlantConfig plant = Environment.loadPlant(config, environment);
        return plant == null ? 2 : serve(plant, host, port, Environment.adminToken(), null);
    }

    /** Starts the store and a hub, runs {@code afterStart}, and blocks until the process is asked to stop. */
    static int serve(PlantConfig plant, String host, Integer port, String adminToken, java.util.function.IntConsumer afterStart) throws Exception {
        return serve(plant, host, port, adminToken, null, hubPort -> {
            if (afterStart != null) afterStart.accept(hubPort);
            return null;
        });
    }

    /**
     * Starts the store (embedded in {@code dataDir}, or the default) and a hub, then runs {@code job}: when it gives an exit
     * code the hub stops and that is returned; when it gives null the hub runs until the process is asked to stop.
     */
    static int serve(PlantConfig plant, String host, Integer port, String adminToken, java.nio.file.Path dataDir,
                     java.util.function.IntFunction<Integer> job) throws Exception {
        HubSettings.Http http = plant.hub().http();
        PlantConfig effective = plant.withHub(plant.hub().withHttp(host != null ? host : http.host(), port != null ? port : http.port()));
        Environment.Store store;
        try {
            store = dataDir == null ? Environment.openStore() : Environment.openStore(dataDir);
        } catch (Exception e) {
            System.err.println("millwright could not start: " + oneLine(e));
            return 1;
        }
        Hub hub;
        try {
            hub = Hub.start(effective, store.db(), List.of(adminToken), Clock.systemUTC());
        } catch (RuntimeException e) {
            store.close();
            System.err.println("millwright could not start: " + oneLine(e));
            return 1;
        }
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            try {
                hub.close();
                store.close();
            } catch (Exception e) {
                System.err.println("error while stopping: " + e.getMessage());
            } finally {
                stopped.countDown();
            }
        }, "millwright-shutdown"));
        System.out.println("millwright is running on " + (effective.hub().http().tls() == null ? "http" : "https") + "://" + effective.hub().http().host() + ":" + hub.port()
                + " (node " + hub.node() + "); stop with Ctrl-C or SIGTERM");
        Integer code = job.apply(hub.port());
        if (code != null) {
            System.exit(code); // the shutdown hook stops the hub and the store
        }
        stopped.await();
        return 0;
    }

    /** What went wrong in one line, for a person: the message, never a stack trace. */
    private static String oneLine(Throwable e) {
        String message = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
        return message.lines().findFirst().orElse(message);
    }
}
