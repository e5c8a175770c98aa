package dev.millwright.support;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** Writes a plant folder for a test: hub settings tuned for fast tests, systems and subscriptions. */
public final class TestPlant {
    private final Path dir;

    public TestPlant(Path dir) {
        this.dir = dir;
        hub("""
                plant: test-plant
                http: { host: 127.0.0.1, port: 0 }
                ingest: { groupCommitWindow: 1ms }
                delivery: { lanes: 16, leaseTtl: 3s, pollInterval: 200ms, drainTimeout: 5s }
                contracts: { allowUnknownTypes: true }
                """);
    }

    public TestPlant hub(String yaml) {
        write("millwright.yaml", yaml);
        return this;
    }

    /** A system delivering to {@code baseUrl} with the given extra settings (1 s timeout unless they set one). */
    public TestPlant system(String name, String baseUrl, String extra) {
        String settings = extra.contains("timeout:") ? extra : "timeout: 1s\n" + extra;
        write("systems/" + name + ".yaml", """
                name: %s
                outbound:
                  http:
                    baseUrl: %s
                %s""".formatted(name, baseUrl, settings.indent(4)));
        return this;
    }

    /** A system with fast retries and no circuit breaker, so tests of the retry policy see every attempt. */
    public TestPlant system(String name, String baseUrl) {
        return system(name, baseUrl, """
                retry: { maxAttempts: 20, initialBackoff: 100ms, maxBackoff: 1s, jitter: 0.1 }
                circuitBreaker: { failureThreshold: 0 }
                """);
    }

    public TestPlant subscription(String name, String on, String system, String path, String orderBy) {
        write("subscriptions/" + name + ".yaml", """
                name: %s
                on: %s
                deliver: { system: %s, path: %s }
                %s
                """.formatted(name, on, system, path, orderBy == null ? "" : "orderBy: " + orderBy));
        return this;
    }

    /** A flow "review" that starts on test.review.needed (key data.lot) and waits an hour for the signal "ok". */
    public TestPlant reviewFlow() {
        return write("flows/review.yaml", """
                name: review
                trigger: { on: test.review.needed, key: data.lot }
                steps:
                  - id: decide
                    signal: { name: ok, timeout: 1h }
                  - id: done
                    end: true
                """);
    }

    public TestPlant write(String relative, String content) {
        try {
            Path file = dir.resolve(relative);
            Files.createDirectories(file.getParent());
            Files.writeString(file, content);
            return this;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public Path dir() {
        return dir;
    }

    /** A copy of a shipped plant folder (e.g. plants/demo) to change in a test without touching the original. */
    public static Path copyOf(Path from, Path to) {
        try (java.util.stream.Stream<Path> files = Files.walk(from)) {
            for (Path f : files.toList()) {
                Path target = to.resolve(from.relativize(f).toString());
                if (Files.isDirectory(f)) Files.createDirectories(target);
                else Files.copy(f, target);
            }
            return to;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
