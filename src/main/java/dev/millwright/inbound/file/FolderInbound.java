package dev.millwright.inbound.file;

import dev.millwright.health.Health;
import dev.millwright.inbound.Inbox;
import dev.millwright.inbound.InboundConnector;
import dev.millwright.inbound.PayloadFormat;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.PathMatcher;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Reads the files a system drops in a folder. A file is read once it is complete (its size and time
 * unchanged for stableFor, or its marker file present); all its events are stored in one commit, then
 * it moves to done/. A file that cannot become events moves to failed/ beside a reason file and is kept
 * as an inbound failure. A crash between the commit and the move reads the file again: its events are
 * then duplicates (their ids come from the content), so nothing is stored twice.
 */
public final class FolderInbound implements InboundConnector.Reader {
    private static final Logger log = LoggerFactory.getLogger(FolderInbound.class);

    private record Seen(long size, Instant modified, Instant since) {
    }

    private final String system;
    private final InboundFiles config;
    private final Inbox inbox;
    private final Clock clock;
    private final PathMatcher matcher;
    private final PayloadFormat format;
    private final Map<Path, Seen> seen = new HashMap<>();

    public FolderInbound(String system, InboundFiles config, Inbox inbox, Clock clock) {
        this.system = system;
        this.config = config;
        this.inbox = inbox;
        this.clock = clock;
        this.matcher = FileSystems.getDefault().getPathMatcher("glob:" + config.pattern());
        this.format = PayloadFormat.of(config.format());
    }

    @Override
    public String channel() {
        return config.kind();
    }

    @Override
    public String system() {
        return system;
    }

    /** Looks at the folder until stopped; only the node holding the lease calls this. */
    @Override
    public void run(InboundConnector.Lease lease) throws InterruptedException {
        while (lease.held()) {
            try {
                for (Path file : ready()) {
                    if (!lease.held()) return;
                    take(file);
                }
                lease.ok();
            } catch (IOException e) {
                lease.problem("cannot read " + config.dir() + ": " + e.getMessage());
            } catch (Inbox.NotStored e) {
                lease.problem(e.getMessage() + "; files stay in the folder");
            }
            lease.pause(config.pollInterval());
        }
    }

    /** The folder is there, readable, and the hub may create done/ and failed/ and write in them. */
    @Override
    public Health check() {
        long t0 = System.nanoTime();
        String problem = null;
        try {
            if (!Files.isDirectory(config.dir())) {
                problem = "no folder " + config.dir();
            } else if (!Files.isReadable(config.dir())) {
                problem = "cannot read " + config.dir();
            } else {
                Files.createDirectories(done());
                Files.createDirectories(failed());
                Files.delete(Files.createTempFile(done(), ".millwright-check", ".tmp"));
            }
        } catch (IOException e) {
            problem = "cannot write in " + config.dir() + ": " + e.getClass().getSimpleName() + (e.getMessage() == null ? "" : " " + e.getMessage());
        }
        return new Health(system, problem == null, config.dir().toString(), null,
                (System.nanoTime() - t0) / 1_000_000, "none", problem);
    }

    private Path done() {
        return config.dir().resolve("done");
    }

    private Path failed() {
        return config.dir().resolve("failed");
    }

    /** Files that match and are complete, oldest first. */
    private List<Path> ready() throws IOException {
        Instant now = clock.instant();
        List<Path> out = new ArrayList<>();
        Map<Path, Seen> still = new HashMap<>();
        try (DirectoryStream<Path> dir = Files.newDirectoryStream(config.dir())) {
            for (Path file : dir) {
                String name = file.getFileName().toString();
                // A link could point anywhere on the host: only files that are in the folder themselves are read.
                if (!Files.isRegularFile(file, java.nio.file.LinkOption.NOFOLLOW_LINKS) || !matcher.matches(file.getFileName())) continue;
                if (config.marker() != null && name.endsWith(config.marker())) continue;
                BasicFileAttributes attrs = Files.readAttributes(file, BasicFileAttributes.class);
                if (config.marker() != null) {
                    if (Files.exists(marker(file))) out.add(file);
                    continue;
                }
                Seen before = seen.get(file);
                Instant modified = attrs.lastModifiedTime().toInstant();
                Seen current = before != null && before.size() == attrs.size() && before.modified().equals(modified)
                        ? before : new Seen(attrs.size(), modified, now);
                still.put(file, current);
                if (!current.since().plus(config.stableFor()).isAfter(now)) out.add(file);
            }
        }
        seen.keySet().retainAll(still.keySet());
        seen.putAll(still);
        out.sort((a, b) -> {
            try {
                return Files.getLastModifiedTime(a).compareTo(Files.getLastModifiedTime(b));
            } catch (IOException e) {
                return a.compareTo(b);
            }
        });
        return out;
    }

    private Path marker(Path file) {
        return file.resolveSibling(file.getFileName() + config.marker());
    }

    private void take(Path file) throws IOException, InterruptedException, Inbox.NotStored {
        String name = file.getFileName().toString();
        long size = Files.size(file);
        if (size > config.maxFileBytes()) {
            Files.createDirectories(failed());
            Path target = unique(failed(), name);
            String reason = "the file is " + size + " bytes; files of at most " + config.maxFileBytes() + " bytes are read (maxFileBytes)";
            Files.writeString(target.resolveSibling(target.getFileName() + ".reason.txt"), reason + "\n");
            Files.move(file, target, StandardCopyOption.ATOMIC_MOVE);
            log.warn("{}: file {} not read: {}", system, name, reason);
            if (config.marker() != null) Files.deleteIfExists(marker(file));
            seen.remove(file);
            return;
        }
        byte[] payload = Files.readAllBytes(file);
        Inbox.Receipt receipt = inbox.take(new Inbox.Origin(system, config.kind(), name), new Inbox.Route(config.mapping(), config.source()),
                format, payload, config.variables(name));
        if (receipt.deadLettered()) {
            Files.createDirectories(failed());
            Path target = unique(failed(), name);
            Files.writeString(target.resolveSibling(target.getFileName() + ".reason.txt"), receipt.reason() + "\n");
            Files.move(file, target, StandardCopyOption.ATOMIC_MOVE);
            log.warn("{}: file {} failed (inbound failure {}): {}", system, name, receipt.failureId(), receipt.reason());
        } else {
            Files.createDirectories(done());
            Files.move(file, unique(done(), name), StandardCopyOption.ATOMIC_MOVE);
            log.info("{}: file {} gave {} events ({} duplicates)", system, name, receipt.accepted(), receipt.duplicates());
        }
        if (config.marker() != null) Files.deleteIfExists(marker(file));
        seen.remove(file);
    }

    /** DIR/NAME, or DIR/NAME.1, .2 ... when a file of that name was processed before. */
    private static Path unique(Path dir, String name) {
        Path target = dir.resolve(name);
        for (int i = 1; Files.exists(target); i++) target = dir.resolve(name + "." + i);
        return target;
    }
}
