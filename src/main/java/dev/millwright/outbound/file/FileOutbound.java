package dev.millwright.outbound.file;

import dev.millwright.config.RetryPolicy;
import dev.millwright.config.SystemConfig;
import dev.millwright.config.spec.Spec;
import dev.millwright.connector.Connector;
import dev.millwright.delivery.Target;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import static dev.millwright.config.ConfigValues.get;
import static dev.millwright.config.ConfigValues.section;
import static dev.millwright.config.spec.Spec.bool;
import static dev.millwright.config.spec.Spec.object;
import static dev.millwright.config.spec.Spec.oneOf;
import static dev.millwright.config.spec.Spec.optional;
import static dev.millwright.config.spec.Spec.required;
import static dev.millwright.config.spec.Spec.string;

/** Delivery as files in a folder (outbound.file). */
public record FileOutbound(Path dir, String format, String mapping, RetryPolicy retry, boolean neutralizeFormulas) implements Target.Channel {

    public static final Spec.Obj SPEC = object(
            required("dir", string(), "Export folder; a subscription's path is a sub-folder of it.", "/var/spool/millwright/cmms"),
            optional("format", oneOf("json", "csv"), "json", "File format. csv writes the mapping's rows (an object, or an array of "
                    + "objects) under a header row of their keys, RFC 4180 quoting."),
            optional("mapping", string(), null, "Mapping in mappings/ (JSONata) from the CloudEvent to what the file holds; required "
                    + "for csv (rows of flat values). Without one a JSON file holds the CloudEvent. A mapping that fails dead-letters the "
                    + "delivery with the reason."),
            optional("retry", RetryPolicy.SPEC, null, "Retries of failed writes (disk full, permissions)."),
            optional("neutralizeFormulas", bool(), true, "csv: a text value (or column name) starting with =, +, -, @, tab or carriage "
                    + "return is written with a leading ' so a spreadsheet opening the file shows it instead of running it (CSV "
                    + "injection). Numbers are written as they are.")
    );

    public static final Connector CONNECTOR = Connector.out("file", SPEC, "file-outbound", "Files out",
            "Deliver as files for systems that only import files: DIR/PATH/IDEMPOTENCY-KEY.json (or .csv), written to a "
                    + "temporary file, flushed and renamed into place; a repeated delivery replaces the same file.",
            FileOutbound::from);

    static FileOutbound from(Map<String, Object> file) {
        return new FileOutbound(Path.of((String) get(file, "dir")).toAbsolutePath(), get(file, "format"), get(file, "mapping"),
                RetryPolicy.from(section(file, "retry")), get(file, "neutralizeFormulas"));
    }

    @Override
    public String kind() {
        return "file";
    }

    /** File writes are given 1 s (see FileTarget). */
    @Override
    public Duration longestCall() {
        return Duration.ofSeconds(1);
    }

    @Override
    public Map<String, String> mappings() {
        return mapping == null ? Map.of() : Map.of("mapping", mapping);
    }

    @Override
    public List<SystemConfig.Problem> problems() {
        return format.equals("csv") && mapping == null
                ? List.of(new SystemConfig.Problem("mapping", "is required when outbound.file.format is csv (it turns the event into rows of flat values)"))
                : List.of();
    }

    @Override
    public Target target(String system, Target.Deps deps) {
        return new FileTarget(system, this, deps.mappings());
    }
}
