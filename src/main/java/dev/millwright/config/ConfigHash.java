package dev.millwright.config;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;
import java.util.stream.Stream;

/**
 * The SHA-256 of a plant folder's content: every regular file's relative path and bytes, in path order. Secret files
 * under secrets/ count by name only, so the hash (which is audited and may be shown) says nothing about a secret.
 */
public final class ConfigHash {
    private ConfigHash() {
    }

    public static String of(Path dir) {
        try (Stream<Path> walk = Files.walk(dir)) {
            List<Path> files = walk.filter(Files::isRegularFile).sorted().toList();
            MessageDigest sha = MessageDigest.getInstance("SHA-256");
            for (Path f : files) {
                String rel = dir.relativize(f).toString().replace('\\', '/');
                sha.update(rel.getBytes(StandardCharsets.UTF_8));
                sha.update((byte) 0);
                if (!rel.startsWith("secrets/")) sha.update(Files.readAllBytes(f));
                sha.update((byte) 0);
            }
            return HexFormat.of().formatHex(sha.digest());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + dir + " to hash it", e);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
