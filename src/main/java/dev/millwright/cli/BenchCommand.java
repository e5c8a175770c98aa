package dev.millwright.cli;

import dev.millwright.bench.Bench;
import dev.millwright.event.Json;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Map;
import java.util.concurrent.Callable;

/** Runs the benchmark on an embedded PostgreSQL; prints a table and writes bench/results/*.json. */
@Command(name = "bench", description = "Benchmark ingest, end-to-end delivery and latency against the raw insert limit, and process flows.")
final class BenchCommand implements Callable<Integer> {
    @Option(names = "--events", defaultValue = "100000", description = "Events for runs (a), (b), (c), (e) (default: ${DEFAULT-VALUE}).")
    int events;

    @Option(names = "--warmup-events", defaultValue = "150000", description = "Unrecorded events run first so the JIT is warm (default: ${DEFAULT-VALUE}).")
    int warmupEvents;

    @Option(names = "--senders", defaultValue = "8", description = "Concurrent HTTP senders (default: ${DEFAULT-VALUE}).")
    int senders;

    @Option(names = "--latency-seconds", defaultValue = "20", description = "Length of the latency run (default: ${DEFAULT-VALUE}).")
    int latencySeconds;

    @Option(names = "--latency-lead-seconds", defaultValue = "30", description = "Seconds at the latency run's rate before it is "
            + "recorded, so the JIT has compiled that path (default: ${DEFAULT-VALUE}).")
    int latencyLeadSeconds;

    @Option(names = "--rate", defaultValue = "1000", description = "Events/s in the latency run (default: ${DEFAULT-VALUE}).")
    int rate;

    @Option(names = "--lanes", defaultValue = "64", description = "Delivery lanes per target (default: ${DEFAULT-VALUE}).")
    int lanes;

    @Option(names = "--target-concurrency", defaultValue = "64", description = "Calls in flight to the target per node (default: ${DEFAULT-VALUE}).")
    int targetConcurrency;

    @Option(names = "--flow-instances", defaultValue = "2000", description = "Instances of the 10-step flow in run (f) (default: ${DEFAULT-VALUE}).")
    int flowInstances;

    @Option(names = "--parked", defaultValue = "100000", description = "Instances parked at a wait (one-hour timeout) during (f), "
            + "their timeouts fired at once in (h) (default: ${DEFAULT-VALUE}).")
    int parked;

    @Option(names = "--flows-only", description = "Run only the flow runs (f), (g), (h).")
    boolean flowsOnly;

    @Option(names = "--latency-only", description = "Run only the warm-up and the latency run (d).")
    boolean latencyOnly;

    @Option(names = "--console-only", description = "Run only the console's page times (i) over a loaded store.")
    boolean consoleOnly;

    @Option(names = "--console-events", defaultValue = "1000000", description = "Events (and deliveries) in the store for run (i) (default: ${DEFAULT-VALUE}).")
    int consoleEvents;

    @Option(names = "--console-instances", defaultValue = "100000", description = "Flow instances in the store for run (i) (default: ${DEFAULT-VALUE}).")
    int consoleInstances;

    @Option(names = "--out", defaultValue = "bench/results", description = "Folder for the JSON result (default: ${DEFAULT-VALUE}).")
    Path out;

    @Override
    public Integer call() throws Exception {
        Path work = Files.createTempDirectory("millwright-bench");
        Map<String, Object> results = new Bench(new Bench.Options(events, warmupEvents, senders, latencySeconds, latencyLeadSeconds, rate, lanes, targetConcurrency, work,
                flowInstances, parked, flowsOnly, consoleOnly, latencyOnly, consoleEvents, consoleInstances)).run();
        System.out.println();
        System.out.printf("%-45s %s%n", "measure", "value");
        results.forEach((k, v) -> System.out.printf("%-45s %s%n", k, v));
        Files.createDirectories(out);
        Path file = out.resolve("bench-" + Instant.now().toString().replace(':', '-') + ".json");
        Files.writeString(file, Json.MAPPER.writerWithDefaultPrettyPrinter().writeValueAsString(results) + "\n");
        System.out.println("\nwrote " + file);
        return 0;
    }
}
