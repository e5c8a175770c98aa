package dev.millwright.canonical;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import dev.millwright.canonical.Common.EquipmentRef;
import dev.millwright.canonical.Common.HierarchyLevel;
import dev.millwright.canonical.Common.LotDisposition;
import dev.millwright.canonical.Common.LotQuantity;
import dev.millwright.canonical.Common.Money;
import dev.millwright.canonical.Common.Person;
import dev.millwright.canonical.Common.Quantity;
import dev.millwright.canonical.Common.Verdict;

import java.math.BigDecimal;
import java.time.OffsetDateTime;
import java.util.List;

/** The canonical entities; each mirrors contracts/entities/NAME.vN.json. */
public final class Entities {
    private Entities() {
    }

    /** ISA-95 QualityTestResult, v1: limits as two fields. */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record TestResultV1(String inspectionId, String lotId, String materialId, EquipmentRef equipment, Verdict result,
                               OffsetDateTime inspectedAt, Person inspector, Quantity sampleSize, List<Characteristic> characteristics) {
        @JsonInclude(JsonInclude.Include.NON_NULL)
        public record Characteristic(String name, BigDecimal nominal, BigDecimal lowerLimit, BigDecimal upperLimit, BigDecimal measured,
                                     String unit, Verdict result, String defectCode) {
        }
    }

    /** ISA-95 QualityTestResult, v2: limits as one object, with measurement uncertainty. */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record TestResultV2(String inspectionId, String lotId, String materialId, EquipmentRef equipment, Verdict result,
                               OffsetDateTime inspectedAt, Person inspector, Quantity sampleSize, List<Characteristic> characteristics) {
        @JsonInclude(JsonInclude.Include.NON_NULL)
        public record Characteristic(String name, BigDecimal nominal, Limits limits, BigDecimal measured,
                                     @JsonInclude(JsonInclude.Include.ALWAYS) BigDecimal uncertainty, String unit, Verdict result,
                                     String defectCode) {
        }

        @JsonInclude(JsonInclude.Include.NON_NULL)
        public record Limits(BigDecimal lower, BigDecimal upper) {
        }
    }

    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record MaterialLot(String lotId, String materialId, String status, LotDisposition disposition, Quantity quantity,
                              String storageLocation, String reason, String holdId, OffsetDateTime changedAt) {
    }

    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record Nonconformance(String ncrId, String title, String description, Severity severity, NcrStatus status,
                                 Disposition disposition, String defectCode, OffsetDateTime detectedAt, String inspectionId,
                                 EquipmentRef equipment, List<LotQuantity> affectedLots, String supplierId, Person owner) {
        public enum Severity { minor, major, critical }

        public enum NcrStatus { open, dispositioned, closed }

        public enum Disposition {
            @JsonProperty("use-as-is") USE_AS_IS, @JsonProperty("rework") REWORK, @JsonProperty("repair") REPAIR,
            @JsonProperty("scrap") SCRAP, @JsonProperty("return-to-supplier") RETURN_TO_SUPPLIER
        }
    }

    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record Capa(String capaId, List<String> ncrIds, CapaStatus status, String rootCause, String causeCode, List<Action> actions,
                       OffsetDateTime openedAt, OffsetDateTime closedAt, Person owner) {
        public enum CapaStatus {
            @JsonProperty("open") OPEN, @JsonProperty("in-progress") IN_PROGRESS, @JsonProperty("verification") VERIFICATION,
            @JsonProperty("closed") CLOSED
        }

        @JsonInclude(JsonInclude.Include.NON_NULL)
        public record Action(String description, Person owner, OffsetDateTime due, Boolean done) {
        }
    }

    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record Supplier(String supplierId, String name, String country, Boolean approved) {
    }

    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record SupplierCase(String caseId, String supplierId, List<String> ncrIds, String description, List<LotQuantity> affectedLots,
                               OffsetDateTime openedAt, OffsetDateTime dueAt) {
    }

    /** ISA-95 work request / job order for production, maintenance or quality. */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record WorkOrder(String workOrderId, OperationsType operationsType, Priority priority, State state, State previousState,
                            String materialId, Quantity plannedQuantity, EquipmentRef equipment, String assetId, String description,
                            String reason, OffsetDateTime plannedStart, OffsetDateTime plannedEnd, OffsetDateTime changedAt) {
        public enum OperationsType { Production, Maintenance, Quality }

        public enum Priority { low, normal, high, emergency }

        public enum State { created, released, running, held, completed, closed, cancelled }
    }

    /** ISA-95 OperationsResponse: a production confirmation. */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record OperationsResponse(String workOrderId, String operation, OffsetDateTime confirmedAt, @JsonProperty("final") Boolean isFinal,
                                     @JsonProperty("yield") Quantity yieldQuantity, Quantity scrap, EquipmentRef equipment,
                                     List<MaterialActual> materialActuals, Quantity labor) {
        @JsonInclude(JsonInclude.Include.NON_NULL)
        public record MaterialActual(String materialId, String lotId, Quantity quantity, Use use) {
            public enum Use { consumed, produced }
        }
    }

    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record DowntimeEvent(String downtimeId, EquipmentRef equipment, OffsetDateTime start, OffsetDateTime end, Boolean planned,
                                String reasonCode, String reasonText, Quantity duration) {
    }

    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record MaintenanceCompletion(String workOrderId, String assetId, EquipmentRef equipment, OffsetDateTime completedAt,
                                        List<Labor> labor, List<Part> parts, String failureCode, String causeCode, String remedyCode,
                                        String notes) {
        @JsonInclude(JsonInclude.Include.NON_NULL)
        public record Labor(Person person, String craft, Quantity hours, Money rate) {
        }

        @JsonInclude(JsonInclude.Include.NON_NULL)
        public record Part(String materialId, Quantity quantity, String storageLocation) {
        }
    }

    /** A goods movement with the ERP movement code (e.g. 261 issue to order, 344 to blocked stock). */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record InventoryTransaction(String transactionId, Movement movement, String movementCode, String materialId, String lotId,
                                       Quantity quantity, String fromLocation, String toLocation, String workOrderId, String costCenter,
                                       OffsetDateTime postedAt, String reason, String erpDocument) {
        public enum Movement { issue, receipt, transfer, hold, release }
    }

    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record CostPosting(String postingId, CostObject costObject, String account, Money amount, Quantity quantity,
                              OffsetDateTime postedAt, String source) {
        public record CostObject(Kind type, String id) {
            public enum Kind { workOrder, costCenter, asset, project }
        }
    }

    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record MaterialDefinition(String materialId, String description, String baseUnit, String materialClass, Boolean inspectionRequired) {
    }

    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record Equipment(String equipmentId, String name, HierarchyLevel level, String parentId) {
    }

    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record PhysicalAsset(String assetId, String description, String serialNumber, String manufacturer, String model,
                                EquipmentRef installedAt) {
    }
}
