package dev.millwright.store;

import dev.millwright.support.TestPostgres;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The statements DeliveryStore runs on the cached-plan connections are planned once per connection, with parameters
 * unknown: their generic plan must be the index plan whatever the table held when it was made (empty at start, large
 * later). A statement whose generic plan goes wrong here (a sequential scan, a join walked once per outcome) is one that
 * must not run on those connections: the settlement as first written took a second a statement that way.
 */
class CachedPlansTest {
    static Database db;

    @BeforeAll
    static void open() {
        db = TestPostgres.newDatabase("plans");
    }

    @AfterAll
    static void close() {
        db.close();
    }

    @Test
    void laneClaimsSettlementsAndRetryReadsWalkTheirIndexesOnAnEmptyAndOnALargeTable() throws SQLException {
        assertPlans("empty table");
        try (Connection c = db.connection(); Statement st = c.createStatement()) {
            // 40 ordering keys over 64 lanes, most delivered, some failed and waiting for a retry: a drain's shape.
            st.execute("""
                    insert into deliveries (event_seq, subscription, target, path, lane, ordering_key, idempotency_key, state, open,
                                            delivered_at, retry_at)
                    select g, 'holds', 'erp', '/', g % 64, 'k' || (g % 40), 'key-' || g,
                           (case when g % 3 = 0 then 'delivered' when g % 97 = 0 then 'failed' else 'pending' end)::delivery_state,
                           g % 3 <> 0, case when g % 3 = 0 then now() end, case when g % 3 <> 0 and g % 97 = 0 then now() + interval '1 hour' end
                    from generate_series(1, 60000) g""");
            st.execute("analyze deliveries");
        }
        assertPlans("60,000 rows");
    }

    private static void assertPlans(String when) throws SQLException {
        Sql sql = Sql.load("/sql/deliveries.sql");
        try (Connection c = db.cachedPlanDataSource().getConnection()) {
            String claim = genericPlan(c, "claim_p", sql.named("claim").sql(), sql.named("claim").parameters().stream()
                    .map(p -> Map.of("lease", "'lane:0:erp'", "owner", "'node'", "epoch", "1", "target", "'erp'", "lane", "0",
                            "busy", "'{k1}'", "limit", "200").get(p)).toList());
            assertThat(claim).as("the claim's generic plan (%s)", when)
                    .contains("Index Scan using deliveries_lane_work")
                    .contains("Index Cond: ((target = $4) AND (lane = $5))") // generic: the values are parameters
                    .doesNotContain("Seq Scan on deliveries")
                    // a key whose head waits for a retry is one index probe per candidate, not a hash of every failed
                    // delivery of every lane built for each claim (the plan PostgreSQL prefers on a table with few rows)
                    .doesNotContain("hashed SubPlan");

            String settle = genericPlan(c, "settle_p", sql.get("settle"), java.util.List.of("'{1,2}'", "'{delivered,failed}'",
                    "'{200,503}'", "'{null,down}'", "'{null,2030-01-01T00:00:00Z}'", "'{true,true}'", "'{1,1}'", "'{false,false}'",
                    "'{null,null}'"));
            assertThat(settle).as("the settlement's generic plan (%s)", when)
                    .containsPattern("Function Scan on u .*rows=10 ") // generic: it assumes ten outcomes, whatever it is given
                    .contains("Index Scan using deliveries_pkey on deliveries d").contains("Index Cond: (id = u.id)").doesNotContain("Seq Scan on deliveries").doesNotContain("Hash Join");

            String retry = genericPlan(c, "retry_p", sql.get("next_retry"), java.util.List.of("'erp'", "0"));
            assertThat(retry).as("the next-retry read's generic plan (%s)", when)
                    .contains("deliveries_failed").contains("$1").doesNotContain("Seq Scan on deliveries");
        }
    }

    /** The plan PostgreSQL keeps for the statement on this connection (made without looking at the values, when generic). */
    private static String genericPlan(Connection c, String name, String statement, java.util.List<String> values) throws SQLException {
        Matcher m = Pattern.compile("\\?").matcher(statement);
        StringBuilder numbered = new StringBuilder();
        int n = 0;
        while (m.find()) m.appendReplacement(numbered, "\\$" + ++n);
        m.appendTail(numbered);
        assertThat(values).hasSize(n);
        StringBuilder plan = new StringBuilder();
        try (Statement st = c.createStatement()) {
            st.execute("deallocate all");
            st.execute("prepare " + name + " as " + numbered);
            try (ResultSet rs = st.executeQuery("explain execute " + name + "(" + String.join(", ", values) + ")")) {
                while (rs.next()) plan.append(rs.getString(1)).append('\n');
            }
            st.execute("deallocate " + name);
        }
        return plan.toString();
    }
}
