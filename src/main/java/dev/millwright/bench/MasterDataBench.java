package dev.millwright.bench;

import com.fasterxml.jackson.databind.JsonNode;
import dev.millwright.event.Json;
import dev.millwright.mapping.Mapping;
import dev.millwright.mapping.MappingFunctions;
import dev.millwright.mapping.ValueMap;
import dev.millwright.store.Database;
import dev.millwright.store.XrefStore;
import dev.millwright.xref.Xref;
import dev.millwright.xref.XrefLookup;

import java.time.Clock;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * (f) The cross-reference: import of 100,000 rows through the store, then lookups through the node's
 * cache, cold (each from PostgreSQL) and warm. (g) Mapping cost per event: a plain mapping and one that
 * calls $xref and $lookup.
 */
final class MasterDataBench {
    private static final int ENTITIES = 50_000; // two systems each: 100,000 rows
    private static final String QMS_PAYLOAD = """
            {"inspection": {"no": "INSP-7", "lot": "LOT-9", "material": "PUMP-HOUSING-7", "result": "FAIL",
             "at": "2026-11-25T09:15:00+01:00", "sample": 5, "checks": [{"name": "bore", "value": "25.31", "unit": "mm", "ok": false},
             {"name": "depth", "value": "4.2", "unit": "mm", "ok": true}]}}""";
    private static final String QMS_MAPPING = """
            inspection.result = "FAIL" ? { "type": "quality.inspection.failed", "id": "qms-" & inspection.no, "subject": inspection.lot,
              "data": { "inspectionId": inspection.no, "lotId": inspection.lot, "materialId": inspection.material, "result": "fail",
                        "characteristics": [inspection.checks.{ "name": name, "measured": $number(value), "unit": unit,
                                                                "result": ok ? "pass" : "fail" }] } } : []""";
    private static final String ERP_MAPPING = """
            ( $failed := data.characteristics[result = "fail"][0];
              { "Material": $xref("material", "canonical", data.materialId, "erp"), "Batch": data.lotId,
                "QualityCode": $lookup("defect-codes", $failed.name), "Plant": $plant() } )""";

    private MasterDataBench() {
    }

    static void run(Database db, Map<String, Object> out) throws Exception {
        XrefStore store = new XrefStore(db.dataSource(), Xref.channel(db.schema()));
        List<XrefStore.Row> rows = new ArrayList<>(2 * ENTITIES);
        for (int i = 0; i < ENTITIES; i++) {
            rows.add(new XrefStore.Row(2 * i + 2, "material", "MAT-" + i, "erp", "40" + i));
            rows.add(new XrefStore.Row(2 * i + 3, "material", "MAT-" + i, "mes", "M-" + i));
        }
        long t0 = System.nanoTime();
        XrefStore.ImportResult first = store.importRows(rows, dev.millwright.store.Actor.of("bench"));
        out.put("f_xref_import_rows", rows.size());
        out.put("f_xref_import_ms", (System.nanoTime() - t0) / 1_000_000);
        out.put("f_xref_import_added", first.added());
        t0 = System.nanoTime();
        XrefStore.ImportResult again = store.importRows(rows, dev.millwright.store.Actor.of("bench"));
        out.put("f_xref_reimport_ms", (System.nanoTime() - t0) / 1_000_000);
        out.put("f_xref_reimport_unchanged", again.unchanged());

        try (Xref xref = new Xref(db, store, Xref.channel(db.schema()))) {
            SplittableRandom random = new SplittableRandom(7);
            int lookups = 20_000;
            long[] cold = new long[lookups];
            for (int i = 0; i < lookups; i++) cold[i] = timeLookup(xref, i); // each entity once: every lookup reads the database
            long[] warm = new long[200_000];
            for (int i = 0; i < warm.length; i++) warm[i] = timeLookup(xref, random.nextInt(lookups));
            Arrays.sort(cold);
            Arrays.sort(warm);
            out.put("f_xref_lookup_cold_p50_ms", ms(cold, 0.50));
            out.put("f_xref_lookup_cold_p99_ms", ms(cold, 0.99));
            out.put("f_xref_lookup_cached_p50_ms", ms(warm, 0.50));
            out.put("f_xref_lookup_cached_p99_ms", ms(warm, 0.99));
        }

        JsonNode payload = Json.MAPPER.readTree(QMS_PAYLOAD);
        Mapping qms = Mapping.compile("qms", QMS_MAPPING);
        out.put("g_mapping_plain_p50_ms", mappingCost(qms, payload, null));
        JsonNode event = qms.apply(payload);
        List<XrefStore.Row> fixture = List.of(new XrefStore.Row(1, "material", "PUMP-HOUSING-7", "erp", "4711-PH7"));
        MappingFunctions functions = new MappingFunctions(XrefLookup.of(fixture),
                Map.of("defect-codes", new ValueMap("defect-codes", Map.of("bore", "Q-017"), "Q-999")), Clock.systemUTC(), "bench");
        out.put("g_mapping_xref_lookup_p50_ms", mappingCost(Mapping.compile("erp", ERP_MAPPING), event, functions));
    }

    private static long timeLookup(Xref xref, int entity) {
        long t = System.nanoTime();
        if (xref.resolve("material", "mes", "M-" + entity, "erp").isEmpty()) throw new IllegalStateException("M-" + entity + " not imported");
        return System.nanoTime() - t;
    }

    /** p50 of one mapping application, after 20,000 unmeasured ones. */
    private static double mappingCost(Mapping mapping, JsonNode input, MappingFunctions functions) {
        for (int i = 0; i < 20_000; i++) mapping.apply(input, Map.of(), functions);
        long[] t = new long[50_000];
        for (int i = 0; i < t.length; i++) {
            long s = System.nanoTime();
            mapping.apply(input, Map.of(), functions);
            t[i] = System.nanoTime() - s;
        }
        Arrays.sort(t);
        return ms(t, 0.50);
    }

    private static double ms(long[] sortedNanos, double p) {
        return Math.round(sortedNanos[(int) Math.min(sortedNanos.length - 1, Math.floor(p * sortedNanos.length))] / 1e3) / 1e3;
    }
}
