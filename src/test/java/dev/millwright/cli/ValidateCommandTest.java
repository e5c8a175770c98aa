package dev.millwright.cli;

import dev.millwright.support.TestPlant;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;

/** `millwright validate DIR` on plant folders with their own contracts. */
class ValidateCommandTest {
    private static final String ALARM_V1 = """
            {"$schema": "https://json-schema.org/draft/2020-12/schema", "description": "A furnace raised an alarm.",
             "type": "object", "additionalProperties": false, "required": ["furnaceId", "temperature", "raisedAt"],
             "properties": {
               "furnaceId": {"type": "string"},
               "temperature": {"$ref": "https://millwright.dev/contracts/entities/common/v1#/$defs/Quantity"},
               "zone": {"type": "number"},
               "raisedAt": {"$ref": "https://millwright.dev/contracts/entities/common/v1#/$defs/Timestamp"}},
             "examples": [{"furnaceId": "F-2", "temperature": {"value": 1180, "unit": "CEL"}, "zone": 3, "raisedAt": "2026-11-25T10:00:00+01:00"}]}
            """;

    @TempDir
    Path dir;

    record Run(int exit, String out) {
    }

    private Run validate() {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        PrintStream old = System.out;
        System.setOut(new PrintStream(bytes, true, StandardCharsets.UTF_8));
        try {
            int exit = new CommandLine(new Main()).execute("validate", dir.toString());
            return new Run(exit, bytes.toString(StandardCharsets.UTF_8));
        } finally {
            System.setOut(old);
        }
    }

    @Test
    void aCompatibleMinorVersionAndABreakingMajorVersionAreAccepted() {
        new TestPlant(dir).write("contracts/acme.furnace.alarm/v1.json", ALARM_V1)
                .write("contracts/acme.furnace.alarm/v1.1.json", ALARM_V1.replace("\"zone\": {\"type\": \"number\"},",
                        "\"zone\": {\"type\": \"number\"}, \"operator\": {\"type\": \"string\"},"))
                .write("contracts/acme.furnace.alarm/v2.json", ALARM_V1.replace("\"zone\": {\"type\": \"number\"}", "\"zone\": {\"type\": \"integer\"}")
                        .replace("\"raisedAt\"]", "\"raisedAt\", \"zone\"]"));
        Run run = validate();
        assertThat(run.exit()).as(run.out()).isZero();
        assertThat(run.out()).contains("valid");
    }

    @Test
    void aBreakingMinorVersionIsRefusedNamingTheField() {
        new TestPlant(dir).write("contracts/acme.furnace.alarm/v1.json", ALARM_V1)
                .write("contracts/acme.furnace.alarm/v1.1.json", ALARM_V1
                        .replace("\"required\": [\"furnaceId\", \"temperature\", \"raisedAt\"]", "\"required\": [\"furnaceId\", \"raisedAt\"]")
                        .replace("\"zone\": {\"type\": \"number\"}", "\"zone\": {\"type\": \"integer\"}"));
        Run run = validate();
        assertThat(run.exit()).isEqualTo(1);
        assertThat(run.out())
                .contains("contracts/acme.furnace.alarm/v1.1.json:1: temperature: required field removed")
                .contains("contracts/acme.furnace.alarm/v1.1.json:1: zone: type narrowed from [number] to [integer]")
                .contains("only a new major version (v2) may do this");
    }

    @Test
    void aStricterVersionOfACatalogTypeMustBeANewMajor() {
        String stricter = """
                {"type": "object", "required": ["lotId", "materialId", "disposition"],
                 "properties": {"lotId": {"type": "string"}, "materialId": {"type": "string"}, "disposition": {"enum": ["Restricted"]}}}
                """;
        new TestPlant(dir).write("contracts/quality.lot.held/v1.1.json", stricter);
        Run run = validate();
        assertThat(run.exit()).isEqualTo(1);
        assertThat(run.out()).contains("quality.lot.held/v1.1.json:1: disposition: values no longer allowed");
    }

    @Test
    void badContractFilesAreNamed() {
        new TestPlant(dir).write("contracts/acme.furnace.alarm/one.json", "{}")
                .write("contracts/acme.furnace.alarm/v1.json", "{\"type\": \"object\",\n \"properties\": }")
                .write("contracts/quality.inspection.failed/v1.json", "{}");
        Run run = validate();
        assertThat(run.exit()).isEqualTo(1);
        assertThat(run.out()).contains("contracts/acme.furnace.alarm/one.json:1: a contract file is named <version>.json")
                .contains("contracts/acme.furnace.alarm/v1.json:2: not valid JSON")
                .contains("quality.inspection.failed v1 is a catalog version");
    }

    @Test
    void mappingsNamingUnknownValueMapsOrEntityTypesAndBadTablesAreReportedWithFileAndLine() {
        new TestPlant(dir)
                .write("valuemaps/defect-codes.csv", "key,value\nDIM-OOT,Q-017\nDIM-OOT,Q-018\n")
                .write("xref/assets.csv", "entityType,canonicalId,system,localId\nasset,AS-1,eam,A-1\nrobot,R-1,eam,R-1\n")
                .write("mappings/qms.jsonata", "{\n  \"code\": $lookup(\"defect-code\", defect),\n  \"eq\": $xref(\"machine\", \"mes\", m, \"erp\"),\n"
                        + "  \"master\": $fetch(\"eam\", \"equipmentMaster\", m)\n}")
                .write("systems/qms.yaml", """
                        name: qms
                        inbound:
                          http: { mapping: qms.jsonata, auth: { type: token, token: "${env:HOME}" } }
                        """);
        Run run = validate();
        assertThat(run.exit()).isEqualTo(1);
        assertThat(run.out())
                .contains("mappings/qms.jsonata:2: $lookup at position 12: no value map 'defect-code' (valuemaps/defect-code.csv); known: defect-codes")
                .contains("mappings/qms.jsonata:3: $xref at position 52: unknown entity type 'machine'")
                .contains("valuemaps/defect-codes.csv:3: key 'DIM-OOT' is listed twice")
                .contains("xref/assets.csv:3: unknown entity type 'robot'")
                .contains("mappings/qms.jsonata:4: $fetch at position 99: no GET operation 'equipmentMaster' on system 'eam'");
    }

    @Test
    void anInboundMappingThatMakesAnUnknownEventTypeIsRefusedUnlessThePlantAllowsThem() {
        TestPlant plant = new TestPlant(dir)
                .hub("plant: p\n")
                .write("mappings/qms.jsonata", "{ \"type\": \"quality.inspection.failed\", \"data\": {} }")
                .write("mappings/mes.jsonata", "{\n  \"type\": \"mes.machine.stoped\", \"data\": {} }")
                .write("systems/qms.yaml", """
                        name: qms
                        inbound:
                          http: { mapping: qms.jsonata, auth: { type: token, token: "${env:HOME}" } }
                        """)
                .write("systems/mes.yaml", """
                        name: mes
                        inbound:
                          http: { mapping: mes.jsonata, auth: { type: token, token: "${env:HOME}" } }
                        """);
        Run run = validate();
        assertThat(run.exit()).isEqualTo(1);
        assertThat(run.out()).contains("mappings/mes.jsonata:2: event type 'mes.machine.stoped' at position 4 is neither in the event catalog")
                .doesNotContain("quality.inspection.failed");
        plant.hub("plant: p\ncontracts: { allowUnknownTypes: true }\n");
        assertThat(validate().exit()).isZero();
    }
}
