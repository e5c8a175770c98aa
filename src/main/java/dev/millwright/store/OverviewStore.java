package dev.millwright.store;

import dev.millwright.security.PlantScope;

import javax.sql.DataSource;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.HashMap;
import java.util.Map;
import java.util.TreeMap;

/** The figures of the console's overview, over one window of time, within the caller's plants (sql/overview.sql). */
public final class OverviewStore {
    private static final Sql SQL = Sql.load("/sql/overview.sql");
    private static final Sql.Named RECEIVED = SQL.named("received"), DELIVERED = SQL.named("delivered"), LATENCY = SQL.named("latency"),
            BACKLOG = SQL.named("backlog");

    /** One system's figures: deliveries per bucket, latency over the window, and what is not delivered. */
    public static final class SystemFigures {
        public final long[] delivered;
        public long deliveredTotal;
        public Double p50Seconds, p99Seconds;
        public final Map<DeliveryState, Long> backlog = new TreeMap<>();
        public Instant oldestOpen;
        public long failedInWindow;

        SystemFigures(int buckets) {
            this.delivered = new long[buckets];
        }

        public long open() {
            return backlog.getOrDefault(DeliveryState.pending, 0L) + backlog.getOrDefault(DeliveryState.in_flight, 0L)
                    + backlog.getOrDefault(DeliveryState.failed, 0L);
        }

        public long dead() {
            return backlog.getOrDefault(DeliveryState.dead, 0L);
        }

        /** Deliveries that went failed or dead in the window, over those and the ones delivered in it. */
        public Double failureRate() {
            long all = failedInWindow + deliveredTotal;
            return all == 0 ? null : (double) failedInWindow / all;
        }
    }

    public record Figures(Instant since, Duration bucket, long[] received, Map<String, SystemFigures> systems) {
    }

    private final DataSource ds;

    public OverviewStore(DataSource ds) {
        this.ds = ds;
    }

    /** @param now the page's time: latency covers the last hour of it at most */
    public Figures figures(Instant since, Duration bucket, int buckets, Instant now, PlantScope plants) {
        return Jdbc.withConnection(ds, c -> {
            Map<String, Object> p = new HashMap<>();
            p.put("since", since.atOffset(ZoneOffset.UTC));
            p.put("lookback", since.minus(Duration.ofHours(1)).atOffset(ZoneOffset.UTC));
            // Latency over the last hour whatever the window: a percentile reads every delivery it covers.
            Instant hourAgo = now.minus(Duration.ofHours(1));
            p.put("latency_since", (since.isAfter(hourAgo) ? since : hourAgo).atOffset(ZoneOffset.UTC));
            p.put("latency_lookback", (since.isAfter(hourAgo) ? since : hourAgo).minus(Duration.ofHours(1)).atOffset(ZoneOffset.UTC));
            p.put("bucket", bucket.toSeconds());
            p.put("plants", Jdbc.plants(c, plants));
            long[] received = new long[buckets];
            Map<String, SystemFigures> systems = new TreeMap<>();
            query(c, RECEIVED, p, rs -> {
                int b = rs.getInt(1);
                if (b >= 0 && b < buckets) received[b] += rs.getLong(2);
            });
            query(c, DELIVERED, p, rs -> {
                int b = rs.getInt(2);
                SystemFigures s = systems.computeIfAbsent(rs.getString(1), k -> new SystemFigures(buckets));
                if (b >= 0 && b < buckets) s.delivered[b] += rs.getLong(3);
                s.deliveredTotal += rs.getLong(3);
            });
            query(c, LATENCY, p, rs -> {
                SystemFigures s = systems.computeIfAbsent(rs.getString(1), k -> new SystemFigures(buckets));
                s.p50Seconds = rs.getDouble(3);
                s.p99Seconds = rs.getDouble(4);
            });
            query(c, BACKLOG, p, rs -> {
                SystemFigures s = systems.computeIfAbsent(rs.getString(1), k -> new SystemFigures(buckets));
                s.backlog.put(DeliveryState.parse(rs.getString(2)), rs.getLong(3));
                var oldest = rs.getTimestamp(4);
                if (oldest != null && (s.oldestOpen == null || oldest.toInstant().isBefore(s.oldestOpen))) s.oldestOpen = oldest.toInstant();
                s.failedInWindow += rs.getLong(5);
            });
            return new Figures(since, bucket, received, systems);
        });
    }

    private interface Row {
        void read(ResultSet rs) throws SQLException;
    }

    private static void query(Connection c, Sql.Named q, Map<String, Object> p, Row row) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(q.sql())) {
            q.bind(ps, p);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) row.read(rs);
            }
        }
    }
}
