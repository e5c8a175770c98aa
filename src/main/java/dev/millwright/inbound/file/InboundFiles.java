package dev.millwright.inbound.file;

import dev.millwright.config.spec.Spec;
import dev.millwright.connector.Connector;
import dev.millwright.inbound.InboundConnector;
import dev.millwright.inbound.InboundFields;
import dev.millwright.inbound.Inbox;
import dev.millwright.metrics.HubMetrics;

import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.Map;

import static dev.millwright.config.ConfigValues.get;
import static dev.millwright.config.spec.Spec.duration;
import static dev.millwright.config.spec.Spec.integer;
import static dev.millwright.config.spec.Spec.object;
import static dev.millwright.config.spec.Spec.optional;
import static dev.millwright.config.spec.Spec.required;
import static dev.millwright.config.spec.Spec.string;

/** A folder the system drops files into (inbound.files). */
public record InboundFiles(Path dir, String pattern, String format, String mapping, String source,
                           Duration stableFor, String marker, Duration pollInterval, long maxFileBytes) implements InboundConnector.Channel {

    public static final Spec.Obj SPEC = object(
            required("dir", string(), "Folder the system drops files into. Processed files move to DIR/done, bad ones to DIR/failed "
                    + "beside a FILE.reason.txt.", "/var/spool/millwright/cmms-in"),
            optional("pattern", string(), "*", "Glob of the file names to read, e.g. *.csv; other files are left alone."),
            InboundFields.format(),
            InboundFields.mapping("cmms-closures.jsonata"),
            InboundFields.source(),
            optional("stableFor", duration(), "2s", "A file is read only once its size and modification time have not changed "
                    + "for this long, so a half-written file is never read."),
            optional("marker", string(), null, "Suffix of a marker file the system writes when a file is complete (e.g. .ready); "
                    + "when set, a file is read only once FILE + marker exists, and the marker is removed with it."),
            optional("pollInterval", duration(), "1s", "How often the folder is looked at."),
            optional("maxFileBytes", integer(1, 4L * 1024 * 1024 * 1024), 67108864, "Largest file read; a larger one moves to DIR/failed "
                    + "unread, with the reason beside it. Symbolic links are never followed.")
    );

    public static final Connector CONNECTOR = Connector.in("files", SPEC, "file-inbound", "Files in",
            "Files the system drops in a folder; one file is one atomic batch.", InboundFiles::from);

    static InboundFiles from(Map<String, Object> f) {
        return new InboundFiles(Path.of((String) get(f, "dir")).toAbsolutePath(), get(f, "pattern"), get(f, "format"),
                get(f, "mapping"), get(f, "source"), get(f, "stableFor"), get(f, "marker"), get(f, "pollInterval"),
                ((Number) get(f, "maxFileBytes")).longValue());
    }

    @Override
    public String kind() {
        return "file";
    }

    @Override
    public String section() {
        return "files";
    }

    @Override
    public Map<String, String> variables(String reference) {
        return Map.of("file", reference);
    }

    @Override
    public InboundConnector.Reader reader(String system, Inbox inbox, Clock clock, HubMetrics metrics) {
        return new FolderInbound(system, this, inbox, clock);
    }
}
