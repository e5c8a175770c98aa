package dev.millwright.xref;

import com.fasterxml.jackson.databind.MappingIterator;
import com.fasterxml.jackson.dataformat.csv.CsvMapper;
import com.fasterxml.jackson.dataformat.csv.CsvParser;
import dev.millwright.store.XrefStore;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

/**
 * Cross-reference rows in CSV: a header {@code entityType,canonicalId,system,localId}, then one row per
 * id a system has for an entity. Rows that cannot be read are reported with their line, not imported.
 */
public final class XrefCsv {
    public static final List<String> HEADER = List.of("entityType", "canonicalId", "system", "localId");
    private static final CsvMapper CSV = CsvMapper.builder().enable(CsvParser.Feature.WRAP_AS_ARRAY).enable(CsvParser.Feature.TRIM_SPACES).build();

    public record Parsed(List<XrefStore.Row> rows, List<XrefStore.Rejected> rejected) {
    }

    private XrefCsv() {
    }

    /** @throws IllegalArgumentException when the header is wrong or the text is not CSV at all */
    public static Parsed parse(String text) {
        List<XrefStore.Row> rows = new ArrayList<>();
        List<XrefStore.Rejected> rejected = new ArrayList<>();
        try (MappingIterator<String[]> it = CSV.readerFor(String[].class).readValues(text)) {
            if (!it.hasNextValue()) throw new IllegalArgumentException("empty: the first line must be " + String.join(",", HEADER));
            List<String> header = List.of(it.nextValue());
            if (!header.equals(HEADER)) {
                throw new IllegalArgumentException("line 1: the header must be " + String.join(",", HEADER) + ", not " + String.join(",", header));
            }
            while (it.hasNextValue()) {
                int line = it.getCurrentLocation().getLineNr();
                String[] v = it.nextValue();
                if (v.length == 1 && v[0].isEmpty()) continue; // blank line
                String problem = problem(v);
                if (problem != null) rejected.add(new XrefStore.Rejected(line, problem));
                else rows.add(new XrefStore.Row(line, v[0], v[1], v[2], v[3]));
            }
        } catch (IOException | RuntimeException e) {
            if (e instanceof IllegalArgumentException i) throw i;
            throw new IllegalArgumentException("not readable as CSV: " + e.getMessage());
        }
        return new Parsed(rows, rejected);
    }

    private static String problem(String[] v) {
        if (v.length != 4) return "has " + v.length + " columns, not 4 (" + String.join(",", HEADER) + ")";
        if (!XrefStore.ENTITY_TYPES.contains(v[0])) {
            return "unknown entity type '" + v[0] + "'; known: " + String.join(", ", XrefStore.ENTITY_TYPES.stream().sorted().toList());
        }
        for (int i = 1; i < 4; i++) if (v[i].isEmpty()) return HEADER.get(i) + " is empty";
        for (int i = 1; i < 4; i++) if (v[i].indexOf('\u0000') >= 0) return HEADER.get(i) + " contains a NUL character";
        if (v[2].equals(Xref.CANONICAL)) return "'canonical' is not a system: it stands for the canonical id itself";
        return null;
    }
}
