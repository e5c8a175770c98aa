package dev.millwright.canonical;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;

import java.math.BigDecimal;

/** Value types shared by the canonical entities (contracts/entities/common.v1.json). */
public final class Common {
    private Common() {
    }

    /** A quantity always carries its unit of measure (UN/ECE Rec 20 or UCUM). */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record Quantity(BigDecimal value, String unit) {
    }

    /** Money always carries its currency (ISO 4217); the amount is a decimal string so nothing is rounded. */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record Money(String amount, String currency) {
    }

    /** ISA-95 equipment hierarchy level. */
    public enum HierarchyLevel { Enterprise, Site, Area, ProductionLine, ProductionUnit, ProcessCell, WorkCenter, WorkCell, StorageZone, StorageUnit, Unit }

    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record EquipmentRef(String id, HierarchyLevel level) {
    }

    /** ISA-95 lot disposition; Restricted is a quality hold. */
    public enum LotDisposition {
        Planned, @JsonProperty("In-Process") InProcess, Restricted, UnRestricted, Closed
    }

    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record LotQuantity(String lotId, String materialId, Quantity quantity) {
    }

    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record Person(String id, String name) {
    }

    /** Pass or fail of an inspection or one characteristic. */
    public enum Verdict { @JsonProperty("pass") PASS, @JsonProperty("fail") FAIL }
}
