package dev.millwright.store;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * How a delivery's end reaches whoever waits for it: a delivery appended with a reply-to ends with a reply row written
 * by the same statement that settles it (delivered, with the system's answer; or dead, with the reason). Replies are
 * announced on {@link #CHANNEL} with the schema as payload.
 */
public final class DeliveryReplies {
    public static final String CHANNEL = "millwright_reply";
    private static final Sql SQL = Sql.load("/sql/delivery_replies.sql");

    private DeliveryReplies() {
    }

    /** A delivery's end, for its waiter. {@code response} is the system's answer body (delivered), {@code error} why it is dead. */
    public record Reply(long deliveryId, String replyTo, DeliveryState state, Integer status, String response, String error,
                        Instant settledAt) {
    }

    /** In the waiter's transaction: takes up to {@code limit} replies for {@code replyTo}, oldest delivery first. */
    public static List<Reply> take(Connection c, String replyTo, int limit) throws SQLException {
        return take(c, "take", replyTo, limit);
    }

    /** As {@link #take}, for every reply-to starting with {@code prefix} (which holds no LIKE wildcards). */
    public static List<Reply> takePrefixed(Connection c, String prefix, int limit) throws SQLException {
        return take(c, "take_prefixed", prefix + "%", limit);
    }

    private static List<Reply> take(Connection c, String statement, String replyTo, int limit) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(SQL.get(statement))) {
            ps.setString(1, replyTo);
            ps.setInt(2, limit);
            List<Reply> out = new ArrayList<>();
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    out.add(new Reply(rs.getLong(1), rs.getString(2), DeliveryState.parse(rs.getString(3)),
                            (Integer) rs.getObject(4), rs.getString(5), rs.getString(6), rs.getTimestamp(7).toInstant()));
                }
            }
            return out;
        }
    }
}
