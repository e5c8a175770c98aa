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
        return take(c, "take", limit, replyTo);
    }

    /** As {@link #take}, for every reply-to starting with {@code prefix}. */
    public static List<Reply> takePrefixed(Connection c, String prefix, int limit) throws SQLException {
        return take(c, "take_prefixed", limit, prefix, pastPrefix(prefix));
    }

    /** Deletes every reply whose reply-to starts with {@code prefix} (a waiter that ended). */
    public static void dropPrefixed(Connection c, String prefix) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(SQL.get("drop_prefixed"))) {
            ps.setString(1, prefix);
            ps.setString(2, pastPrefix(prefix));
            ps.executeUpdate();
        }
    }

    /** The first string after every string that starts with {@code prefix}, in byte-wise (code point) order. */
    public static String pastPrefix(String prefix) {
        int last = prefix.codePointBefore(prefix.length());
        if (last == Character.MAX_CODE_POINT) throw new IllegalArgumentException("a reply prefix must not end with U+10FFFF");
        return prefix.substring(0, prefix.length() - Character.charCount(last)) + Character.toString(last + 1);
    }

    private static List<Reply> take(Connection c, String statement, int limit, String... replyTo) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(SQL.get(statement))) {
            int i = 1;
            for (String r : replyTo) ps.setString(i++, r);
            ps.setInt(i, limit);
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
