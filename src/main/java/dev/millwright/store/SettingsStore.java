package dev.millwright.store;

import javax.sql.DataSource;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;

/** Settings every node on a database must share, stored with the data they shape. */
public final class SettingsStore {
    private static final Sql SQL = Sql.load("/sql/hub_settings.sql");
    private final DataSource ds;

    public SettingsStore(DataSource ds) {
        this.ds = ds;
    }

    /** The stored lane count and the configured one differ while deliveries are laid out on the stored one. */
    public static final class LanesMismatch extends RuntimeException {
        public LanesMismatch(String message) {
            super(message, null, false, false);
        }
    }

    /**
     * Agrees on the lane count: the first node stores its own; a later node with another count may change it only
     * while no delivery is unfinished (a lane is a hash of the key over the count, so a change would split keys).
     *
     * @return the stored lane count before this call (null on first use)
     * @throws LanesMismatch when unfinished deliveries are laid out for another count
     */
    public Integer agreeOnLanes(int configured) {
        return Jdbc.inTransaction(ds, c -> {
            run(c, "lock");
            String stored = get(c, "delivery.lanes");
            if (stored == null || Integer.parseInt(stored) != configured) {
                if (stored != null) {
                    long open = count(c);
                    if (open > 0) {
                        throw new LanesMismatch("delivery.lanes is " + configured + " in millwright.yaml, but this database's "
                                + open + " unfinished deliveries are laid out on " + stored + " lanes: set delivery.lanes back to "
                                + stored + ", or change it once every delivery is delivered or dead");
                    }
                }
                try (PreparedStatement ps = c.prepareStatement(SQL.get("put"))) {
                    ps.setString(1, "delivery.lanes");
                    ps.setString(2, Integer.toString(configured));
                    ps.executeUpdate();
                }
            }
            return stored == null ? null : Integer.parseInt(stored);
        });
    }

    private static void run(Connection c, String name) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(SQL.get(name))) {
            ps.execute();
        }
    }

    private static String get(Connection c, String name) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(SQL.get("get"))) {
            ps.setString(1, name);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? rs.getString(1) : null;
            }
        }
    }

    private static long count(Connection c) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(SQL.get("open_deliveries")); ResultSet rs = ps.executeQuery()) {
            rs.next();
            return rs.getLong(1);
        }
    }
}
