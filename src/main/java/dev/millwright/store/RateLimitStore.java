package dev.millwright.store;

import javax.sql.DataSource;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Duration;

/** Call slots per system on database time, so every node draws from one budget. */
public final class RateLimitStore {
    private static final Sql SQL = Sql.load("/sql/rate_limits.sql");
    private final DataSource ds;

    public RateLimitStore(DataSource ds) {
        this.ds = ds;
    }

    /** Reserves the next call slot for {@code system}, slots {@code interval} apart; returns the wait until it. */
    public Duration reserve(String system, Duration interval) {
        double seconds = interval.toNanos() / 1e9;
        return Jdbc.withConnection(ds, c -> {
            try (PreparedStatement ps = c.prepareStatement(SQL.get("reserve"))) {
                ps.setString(1, system);
                ps.setDouble(2, seconds);
                ps.setDouble(3, seconds);
                ps.setDouble(4, seconds);
                try (ResultSet rs = ps.executeQuery()) {
                    rs.next();
                    return Duration.ofNanos((long) (rs.getDouble(1) * 1e9));
                }
            }
        });
    }
}
