package dev.millwright.store;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

/**
 * The embedded PostgreSQL whose data lives under the hub's data folder.
 *
 * <p>One hub owns a data folder at a time (a file lock, released by the OS when a process dies).
 * A hub killed with -9 can leave its postgres running on the folder: on the next start that orphan
 * is found through {@code postmaster.pid}, asked to shut down, and only then is a new server started,
 * so two servers never share one data directory.
 */
public final class EmbeddedDatabase implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(EmbeddedDatabase.class);

    private final EmbeddedPostgres postgres;
    private final FileChannel lockChannel;
    private final FileLock lock;

    private EmbeddedDatabase(EmbeddedPostgres postgres, FileChannel lockChannel, FileLock lock) {
        this.postgres = postgres;
        this.lockChannel = lockChannel;
        this.lock = lock;
    }

    public static EmbeddedDatabase start(Path dataDir) throws IOException {
        Files.createDirectories(dataDir);
        Path pgDir = dataDir.resolve("pg");
        FileChannel channel = FileChannel.open(dataDir.resolve("millwright.lock"),
                java.nio.file.StandardOpenOption.CREATE, java.nio.file.StandardOpenOption.WRITE);
        FileLock lock = channel.tryLock();
        if (lock == null) {
            channel.close();
            throw new IllegalStateException("data folder " + dataDir.toAbsolutePath()
                    + " is in use by another running Millwright hub; stop it or use another MILLWRIGHT_DATA_DIR");
        }
        try {
            stopOrphan(pgDir);
            EmbeddedPostgres.Builder builder = EmbeddedPostgres.builder()
                    .setDataDirectory(pgDir)
                    .setCleanDataDirectory(false)
                    .setRegisterShutdownHook(false) // the hub stops it after draining, not concurrently
                    .setPGStartupWait(Duration.ofSeconds(60))
                    .setServerConfig("listen_addresses", "127.0.0.1")
                    .setServerConfig("max_connections", "200")
                    .setServerConfig("synchronous_commit", "on")
                    .setServerConfig("fsync", "on")
                    .setServerConfig("shared_buffers", "256MB");
            // For profiling: MILLWRIGHT_EMBEDDED_PG_CONFIG="shared_preload_libraries=pg_stat_statements;track_io_timing=on"
            String extra = System.getenv("MILLWRIGHT_EMBEDDED_PG_CONFIG");
            if (extra != null) {
                for (String setting : extra.split(";")) {
                    int eq = setting.indexOf('=');
                    if (eq > 0) builder.setServerConfig(setting.substring(0, eq).trim(), setting.substring(eq + 1).trim());
                }
            }
            EmbeddedPostgres pg = builder.start();
            return new EmbeddedDatabase(pg, channel, lock);
        } catch (IOException | RuntimeException e) {
            lock.release();
            channel.close();
            throw e;
        }
    }

    /** A postgres left running on this folder by a killed hub: stop it before starting ours. */
    static void stopOrphan(Path pgDir) {
        Optional<ProcessHandle> orphan = orphanPostmaster(pgDir);
        if (orphan.isEmpty()) return;
        ProcessHandle process = orphan.get();
        log.warn("found an orphaned embedded PostgreSQL (pid {}) on {} left by a hub that did not stop cleanly; shutting it down",
                process.pid(), pgDir);
        process.destroy(); // SIGTERM: smart shutdown, its clients are gone with the killed hub
        try {
            process.onExit().get(30, java.util.concurrent.TimeUnit.SECONDS);
        } catch (Exception timeout) {
            log.warn("orphaned PostgreSQL pid {} did not stop in 30 s; killing it", process.pid());
            process.destroyForcibly();
            process.onExit().join();
        }
    }

    static Optional<ProcessHandle> orphanPostmaster(Path pgDir) {
        Path pidFile = pgDir.resolve("postmaster.pid");
        if (!Files.exists(pidFile)) return Optional.empty();
        try {
            List<String> lines = Files.readAllLines(pidFile, StandardCharsets.UTF_8);
            if (lines.isEmpty()) return Optional.empty();
            long pid = Long.parseLong(lines.get(0).trim());
            return ProcessHandle.of(pid).filter(ProcessHandle::isAlive).filter(p -> isPostgres(p, pgDir));
        } catch (IOException | NumberFormatException e) {
            return Optional.empty();
        }
    }

    private static boolean isPostgres(ProcessHandle process, Path pgDir) {
        // The pid may have been reused by an unrelated process after a reboot.
        try {
            byte[] cmdline = Files.readAllBytes(Path.of("/proc", Long.toString(process.pid()), "cmdline"));
            String command = new String(cmdline, StandardCharsets.UTF_8).replace('\0', ' ');
            return command.contains("postgres") && command.contains(pgDir.getFileName().toString());
        } catch (IOException e) {
            return process.info().command().map(c -> c.contains("postgres")).orElse(false);
        }
    }

    public String jdbcUrl() {
        return postgres.getJdbcUrl("postgres", "postgres");
    }

    public String user() {
        return "postgres";
    }

    public int port() {
        return postgres.getPort();
    }

    @Override
    public void close() throws IOException {
        try {
            postgres.close();
        } finally {
            lock.release();
            lockChannel.close();
        }
    }
}
