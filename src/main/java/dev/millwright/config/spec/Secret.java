package dev.millwright.config.spec;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A configured value that may hold a secret; it never prints itself. A value read from files ({@code ${file:/path}})
 * follows the files: when one changes (checked at most once a second) the value is read again, so a rotated secret
 * takes effect without a restart. Until a changed file can be read, the last value stays in use.
 */
public final class Secret {
    private static final Pattern FILE = Pattern.compile("\\$\\{file:([^}]+)}");
    private static final long CHECK_EVERY_NANOS = 1_000_000_000L;

    /** The text with its environment references resolved and its file references in place. */
    private final String template;
    private final List<Path> files;
    private volatile String value;
    private volatile List<FileTime> stamps;
    private volatile long checkedAt;

    private Secret(String template, List<Path> files, String value, List<FileTime> stamps) {
        this.template = template;
        this.files = files;
        this.value = value;
        this.stamps = stamps;
        this.checkedAt = System.nanoTime();
    }

    /** A fixed value. */
    public Secret(String value) {
        this(value, List.of(), value, List.of());
    }

    /** A value with file references, read now. @throws IOException naming nothing but the file that could not be read */
    static Secret reading(String template) throws IOException {
        List<Path> files = new ArrayList<>();
        Matcher m = FILE.matcher(template);
        while (m.find()) files.add(Path.of(m.group(1)));
        List<FileTime> stamps = new ArrayList<>();
        for (Path f : files) stamps.add(Files.getLastModifiedTime(f));
        return new Secret(template, List.copyOf(files), read(template), stamps);
    }

    private static String read(String template) throws IOException {
        Matcher m = FILE.matcher(template);
        StringBuilder out = new StringBuilder();
        while (m.find()) m.appendReplacement(out, Matcher.quoteReplacement(Files.readString(Path.of(m.group(1))).strip()));
        m.appendTail(out);
        return out.toString();
    }

    public String value() {
        if (files.isEmpty()) return value;
        long now = System.nanoTime();
        if (now - checkedAt < CHECK_EVERY_NANOS) return value;
        checkedAt = now;
        try {
            List<FileTime> latest = new ArrayList<>();
            for (Path f : files) latest.add(Files.getLastModifiedTime(f));
            if (!latest.equals(stamps)) {
                value = read(template);
                stamps = latest;
            }
        } catch (IOException e) {
            // a file mid-replacement or gone: keep the value that worked
        }
        return value;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Secret s && s.template.equals(template) && Objects.equals(s.value(), value());
    }

    @Override
    public int hashCode() {
        return template.hashCode();
    }

    @Override
    public String toString() {
        return "****";
    }
}
