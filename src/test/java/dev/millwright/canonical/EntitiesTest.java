package dev.millwright.canonical;

import com.fasterxml.jackson.databind.JsonNode;
import dev.millwright.contracts.ContractCatalog;
import dev.millwright.event.Json;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.Comparator;
import java.util.Map;
import java.util.stream.Stream;

import static java.util.Map.entry;
import static org.assertj.core.api.Assertions.assertThat;

/** Every catalog example reads into its record and writes back unchanged: records and schemas agree. */
class EntitiesTest {
    static final Map<String, Class<?>> RECORDS = Map.ofEntries(
            entry("TestResult/v1", Entities.TestResultV1.class), entry("TestResult/v2", Entities.TestResultV2.class),
            entry("MaterialLot/v1", Entities.MaterialLot.class), entry("Nonconformance/v1", Entities.Nonconformance.class),
            entry("Capa/v1", Entities.Capa.class), entry("Supplier/v1", Entities.Supplier.class),
            entry("SupplierCase/v1", Entities.SupplierCase.class), entry("WorkOrder/v1", Entities.WorkOrder.class),
            entry("OperationsResponse/v1", Entities.OperationsResponse.class), entry("DowntimeEvent/v1", Entities.DowntimeEvent.class),
            entry("MaintenanceCompletion/v1", Entities.MaintenanceCompletion.class),
            entry("InventoryTransaction/v1", Entities.InventoryTransaction.class), entry("CostPosting/v1", Entities.CostPosting.class),
            entry("MaterialDefinition/v1", Entities.MaterialDefinition.class), entry("Equipment/v1", Entities.Equipment.class),
            entry("PhysicalAsset/v1", Entities.PhysicalAsset.class));

    /** Numbers compare by value (240 equals 240.0); everything else exactly. */
    private static final Comparator<JsonNode> SAME = (a, b) -> a.isNumber() && b.isNumber()
            ? a.decimalValue().compareTo(b.decimalValue()) : a.equals(b) ? 0 : 1;

    static Stream<Arguments> examples() {
        return ContractCatalog.builtIn().types().values().stream().flatMap(t -> t.versions().stream()
                .map(v -> Arguments.of(t.type(), v.version(), v.entity(), v.example())));
    }

    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("examples")
    void exampleRoundTripsThroughItsRecord(String type, String version, String entity, JsonNode example) throws Exception {
        Class<?> record = RECORDS.get(entity);
        assertThat(record).as("a record for " + entity).isNotNull();
        Object value = Json.MAPPER.treeToValue(example, record);
        JsonNode back = Json.MAPPER.valueToTree(value);
        assertThat(back.equals(SAME, example)).as("%s %s:%n  example %s%n  record  %s", type, version, example, back).isTrue();
    }
}
