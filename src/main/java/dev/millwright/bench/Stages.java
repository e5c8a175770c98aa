package dev.millwright.bench;

import dev.millwright.store.Database;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.List;
import java.util.Map;

/**
 * Where a latency run's time goes, from the rows' own times: p50 and p99 of each stage, in milliseconds. Stage times are
 * transaction start times (now()), so each stage includes the wait for the next stage's transaction to begin.
 */
final class Stages {
    private Stages() {
    }

    /**
     * @param rows   a query giving one row per measured item, the stages' columns among them
     * @param stages each stage's name and an interval expression over those columns, in order
     */
    static void report(Database db, String rows, List<Map.Entry<String, String>> stages, String prefix, Map<String, Object> out)
            throws Exception {
        StringBuilder cols = new StringBuilder();
        for (Map.Entry<String, String> stage : stages) {
            for (double p : new double[] {0.5, 0.99}) {
                if (!cols.isEmpty()) cols.append(", ");
                cols.append("round((percentile_cont(").append(p).append(") within group (order by extract(epoch from ").append(stage.getValue())
                        .append(")) * 1000)::numeric, 1)");
            }
        }
        try (Connection c = db.connection(); Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("with r as (" + rows + ") select " + cols + " from r")) {
            rs.next();
            int col = 1;
            for (Map.Entry<String, String> stage : stages) {
                out.put(prefix + stage.getKey() + "_p50_ms", rs.getDouble(col++));
                out.put(prefix + stage.getKey() + "_p99_ms", rs.getDouble(col++));
            }
        }
    }
}
