package dev.millwright.support;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** A hub in its own JVM (`millwright run`), so a test can kill it with SIGKILL like a crash. */
public final class HubProcess implements AutoCloseable {
    private static final Pattern RUNNING = Pattern.compile("millwright is running on http://127\\.0\\.0\\.1:(\\d+)");

    private final Process process;
    private final List<String> output = new CopyOnWriteArrayList<>();
    private final int port;
    private final Thread reader;

    private HubProcess(Process process, Duration startTimeout) {
        this.process = process;
        CompletableFuture<Integer> started = new CompletableFuture<>();
        this.reader = Thread.ofVirtual().start(() -> {
            try (BufferedReader r = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
                String line;
                while ((line = r.readLine()) != null) {
                    output.add(line);
                    Matcher m = RUNNING.matcher(line);
                    if (m.find()) started.complete(Integer.parseInt(m.group(1)));
                }
            } catch (IOException ignored) {
                // the process died; its exit is checked below
            }
            started.completeExceptionally(new IllegalStateException("hub process exited before it was running:\n"
                    + String.join("\n", output)));
        });
        try {
            this.port = started.get(startTimeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (Exception e) {
            process.destroyForcibly();
            throw new IllegalStateException("hub process did not start: " + e.getMessage() + "\n" + String.join("\n", output), e);
        }
    }

    /**
     * Starts `./millwright run --config plantDir` — the real launcher, which picks a JDK and execs it, so the
     * process is the hub's JVM — on this build's classes, with the given environment (DB URL or data dir).
     */
    public static HubProcess start(Path plantDir, Map<String, String> env) {
        String classpath = System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
        ProcessBuilder pb = new ProcessBuilder(Path.of("millwright").toAbsolutePath().toString(), "run", "--config", plantDir.toString());
        pb.environment().put("MILLWRIGHT_CLASSPATH", classpath);
        pb.environment().put("MILLWRIGHT_JAVA_OPTS", "-Xmx512m -Dorg.slf4j.simpleLogger.defaultLogLevel=info");
        pb.environment().put("JAVA_HOME", System.getProperty("java.home"));
        pb.environment().put("MILLWRIGHT_ADMIN_TOKEN", HubClient.TOKEN);
        pb.environment().putAll(env);
        pb.redirectErrorStream(true);
        try {
            return new HubProcess(pb.start(), Duration.ofSeconds(90));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Environment for a hub on the shared test PostgreSQL, in the given schema. */
    public static Map<String, String> onTestDatabase(String schema) {
        return Map.of("MILLWRIGHT_DB_URL", TestPostgres.jdbcUrl(), "MILLWRIGHT_DB_USER", "postgres",
                "MILLWRIGHT_DB_SCHEMA", schema, "MILLWRIGHT_DB_POOL", "16");
    }

    public int port() {
        return port;
    }

    public long pid() {
        return process.pid();
    }

    /** The command the process runs now (after the launcher's exec, the JVM). */
    public String command() {
        return process.info().command().orElse("");
    }

    public List<String> output() {
        return List.copyOf(output);
    }

    /** SIGKILL: no shutdown hook runs, nothing is drained or released. */
    public void kill9() throws InterruptedException {
        process.destroyForcibly();
        process.waitFor(30, TimeUnit.SECONDS);
    }

    /** SIGTERM: the hub drains and exits; returns its exit code. */
    public int terminate(Duration timeout) throws InterruptedException {
        process.toHandle().destroy(); // Process.destroy() would also close our end of its output
        if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
            process.destroyForcibly();
            throw new IllegalStateException("hub did not exit within " + timeout + " after SIGTERM");
        }
        reader.join(Duration.ofSeconds(10)); // all it printed has been read
        return process.exitValue();
    }

    public boolean isAlive() {
        return process.isAlive();
    }

    @Override
    public void close() throws InterruptedException {
        if (process.isAlive()) kill9();
    }
}
