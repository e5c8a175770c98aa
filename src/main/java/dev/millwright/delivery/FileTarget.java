package dev.millwright.delivery;

import dev.millwright.config.RetryPolicy;
import dev.millwright.config.SystemConfig;
import dev.millwright.store.LaneItem;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.time.Duration;

/**
 * Delivers to a system that only imports files: each delivery becomes DIR/PATH/IDEMPOTENCY-KEY.json,
 * written to a hidden temporary file, flushed to disk and renamed into place, so an importer never sees
 * half a file and a repeated delivery replaces the same file instead of adding a second one.
 */
public final class FileTarget implements Target {
    private final String name;
    private final SystemConfig.FileOutbound config;

    public FileTarget(String name, SystemConfig.FileOutbound config) {
        this.name = name;
        this.config = config;
    }

    @Override
    public String name() {
        return name;
    }

    /** A local write and fsync; the lane lease (at least 2 s with any HTTP system, 20 s by default) outlasts it. */
    @Override
    public Duration callTimeout() {
        return Duration.ofSeconds(1);
    }

    @Override
    public RetryPolicy retry() {
        return config.retry();
    }

    @Override
    public Outcome send(LaneItem item, String body) {
        Path folder = config.dir().resolve(item.path().replaceFirst("^/+", "")).normalize();
        Path file = folder.resolve(item.idempotencyKey() + ".json");
        Path temp = folder.resolve("." + item.idempotencyKey() + ".json.tmp");
        try {
            if (!folder.startsWith(config.dir().normalize())) {
                return Outcome.permanent(null, "path " + item.path() + " leaves the export folder");
            }
            Files.createDirectories(folder);
            try (FileChannel out = FileChannel.open(temp, StandardOpenOption.CREATE, StandardOpenOption.TRUNCATE_EXISTING,
                    StandardOpenOption.WRITE)) {
                ByteBuffer bytes = ByteBuffer.wrap(body.getBytes(StandardCharsets.UTF_8));
                while (bytes.hasRemaining()) out.write(bytes);
                out.force(true);
            }
            Files.move(temp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            return Outcome.delivered(0);
        } catch (IOException e) {
            try {
                Files.deleteIfExists(temp);
            } catch (IOException ignored) {
                // the next attempt truncates it anyway
            }
            return Outcome.retry(null, "cannot write " + file + ": " + e.getClass().getSimpleName()
                    + (e.getMessage() == null ? "" : " " + e.getMessage()), null);
        }
    }

    @Override
    public Health check() {
        long t0 = System.nanoTime();
        Path dir = config.dir();
        String problem = null;
        try {
            Files.createDirectories(dir);
            Path probe = Files.createTempFile(dir, ".millwright-check", ".tmp");
            Files.delete(probe);
        } catch (IOException e) {
            problem = "cannot write in " + dir + ": " + e.getClass().getSimpleName() + (e.getMessage() == null ? "" : " " + e.getMessage());
        }
        return new Health(name, problem == null, dir.toString(), null, (System.nanoTime() - t0) / 1_000_000, "none", problem);
    }

    @Override
    public void close() {
    }
}
