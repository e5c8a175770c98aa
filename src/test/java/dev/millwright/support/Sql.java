package dev.millwright.support;

import dev.millwright.store.Database;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;

/** Direct reads of a test's schema, to check what is really stored. */
public final class Sql {
    private Sql() {
    }

    public static long count(Database db, String query) {
        try (Connection c = db.connection(); Statement s = c.createStatement(); ResultSet rs = s.executeQuery(query)) {
            rs.next();
            return rs.getLong(1);
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The first column of the first row, as text (null when there is no row). */
    public static String text(Database db, String query) {
        try (Connection c = db.connection(); Statement s = c.createStatement(); ResultSet rs = s.executeQuery(query)) {
            return rs.next() ? rs.getString(1) : null;
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Runs a statement (a test changing the world under the hub, e.g. ending a session). */
    public static void execute(Database db, String statement) {
        try (Connection c = db.connection(); Statement s = c.createStatement()) {
            s.execute(statement);
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
    }
}
