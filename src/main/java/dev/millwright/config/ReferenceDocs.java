package dev.millwright.config;

import com.fasterxml.jackson.core.JsonProcessingException;
import dev.millwright.config.spec.Spec;
import dev.millwright.contracts.ContractCatalog;
import dev.millwright.contracts.ContractDocs;
import dev.millwright.config.spec.SpecDocs;
import dev.millwright.event.Json;

import java.util.LinkedHashMap;
import java.util.Map;

/** The generated reference docs: configuration.md, schema/*.json and contracts.md under docs/, by relative path. */
public final class ReferenceDocs {
    private ReferenceDocs() {
    }

    public static Map<String, String> generate() {
        Map<String, String> files = new LinkedHashMap<>();
        StringBuilder md = new StringBuilder("""
                # Configuration reference

                <!-- Generated from the config specs in code (PlantSpecs, and each connector kind's package). Do not edit: run `./millwright docs`. -->

                A plant folder holds `millwright.yaml`, `systems/<name>.yaml`, `subscriptions/<name>.yaml`, `flows/<name>.yaml` and
                `alerts/<name>.yaml`.
                Unknown keys and bad values are errors that name the file, line and key. Secrets are references —
                `${env:NAME}` or `${file:/path}` — never literal values; text around them is kept (`token ${env:KEY}:${env:SECRET}`).
                Any other value may come from the environment too — `${env:NAME}`, or `${env:NAME:-default}` — and is checked as
                the value it becomes, so one plant folder runs against the simulators and, promoted, against the real systems
                (`baseUrl: ${env:ERP_URL:-http://127.0.0.1:9101}`). An environment file `environments/<name>.yaml` (used by
                `run --env NAME` and `validate --env NAME`) maps plant files to the part of each it changes; mappings merge key by
                key, other values are replaced, and its mistakes are reported at its own lines. JSON Schemas for editors are in `docs/schema/`.

                Environment: `MILLWRIGHT_DB_URL`, `MILLWRIGHT_DB_USER`, `MILLWRIGHT_DB_PASSWORD` select a PostgreSQL
                server (without a URL the hub runs an embedded PostgreSQL with its data in `MILLWRIGHT_DATA_DIR`,
                default `./data`); `MILLWRIGHT_DB_SCHEMA` (default `millwright`), `MILLWRIGHT_DB_POOL` (default 24);
                `MILLWRIGHT_ADMIN_TOKEN` is the admin bearer token (when unset, a random one is printed at start).

                """);
        section(md, files, "millwright.yaml", "millwright", PlantSpecs.HUB);
        section(md, files, "systems/<name>.yaml", "system", PlantSpecs.SYSTEM);
        section(md, files, "subscriptions/<name>.yaml", "subscription", PlantSpecs.SUBSCRIPTION);
        section(md, files, "alerts/<name>.yaml", "alert", PlantSpecs.ALERT);
        md.append(FLOWS_INTRO);
        section(md, files, "flows/<name>.yaml", "flow", dev.millwright.flow.FlowSpec.FLOW);
        section(md, files, "tests/<name>.yaml", "mapping-test", PlantSpecs.MAPPING_TEST);
        section(md, files, "tests/flows/<name>.yaml", "flow-test", dev.millwright.flow.FlowSpec.TEST);
        files.put("configuration.md", md.toString());
        for (dev.millwright.connector.Connector c : dev.millwright.connector.Connectors.ALL) {
            connector(files, c.page(), c.title(), "systems/<name>.yaml → " + c.direction() + "." + c.name(), c.spec());
        }
        files.put("contracts.md", ContractDocs.markdown(ContractCatalog.builtIn()));
        return files;
    }

    private static final String FLOWS_INTRO = """
            A flow's steps run in order unless a step jumps (`next`, `if`, `onError`, `onTimeout`). Each step has an `id` and
            exactly one kind: """ + String.join(", ", dev.millwright.flow.FlowSpec.KINDS.stream().map(k -> "`" + k + "`").toList()) + """
            . Expressions are JSONata over `{trigger, vars, instance}` with the mapping functions (`$xref`, `$lookup`,
            `$fetch`, `$now`); a wait's `key` and the trigger's `key` are over the arriving event. `millwright validate` also
            refuses a jump to an unknown step, an unreachable step, a loop without a wait, signal, delay or call, and a call,
            lookup or compensation naming a system or operation the plant lacks.

            """;

    /** docs/connectors/NAME.md: one connector's settings, from the same spec that validates them. */
    private static void connector(Map<String, String> files, String name, String title, String where, Spec.Obj spec) {
        files.put("connectors/" + name + ".md", "# Connector: " + title + "\n\n<!-- Generated from the config spec in code (the connector's package). "
                + "Do not edit: run `./millwright docs`. -->\n\nConfigured in `" + where + "`.\n\n" + SpecDocs.markdown(spec));
    }

    private static void section(StringBuilder md, Map<String, String> files, String title, String name, Spec.Obj spec) {
        md.append("## `").append(title).append("`\n\n").append(SpecDocs.markdown(spec)).append('\n');
        try {
            files.put("schema/" + name + ".schema.json", Json.MAPPER.writerWithDefaultPrettyPrinter()
                    .writeValueAsString(SpecDocs.jsonSchema(spec, "https://millwright.dev/schema/" + name + ".schema.json",
                            "Millwright " + title)) + "\n");
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }
}
