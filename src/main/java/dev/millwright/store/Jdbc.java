package dev.millwright.store;

import javax.sql.DataSource;
import java.sql.Connection;
import java.sql.SQLException;

/** Runs work in one transaction: commit on return, roll back on any failure. */
public final class Jdbc {
    private Jdbc() {
    }

    @FunctionalInterface
    public interface TxWork<T> {
        T run(Connection c) throws SQLException;
    }

    public static <T> T inTransaction(DataSource ds, TxWork<T> work) {
        try (Connection c = ds.getConnection()) {
            c.setAutoCommit(false);
            try {
                T result = work.run(c);
                c.commit();
                return result;
            } catch (SQLException | RuntimeException e) {
                c.rollback();
                throw e;
            } finally {
                c.setAutoCommit(true);
            }
        } catch (SQLException e) {
            throw new StoreException(e);
        }
    }

    public static <T> T withConnection(DataSource ds, TxWork<T> work) {
        try (Connection c = ds.getConnection()) {
            return work.run(c);
        } catch (SQLException e) {
            throw new StoreException(e);
        }
    }

    /** A plant scope bound as a text[] of LIKE patterns for {@code plant like any(?)}; null (every plant) for no scope. */
    public static java.sql.Array plants(Connection c, dev.millwright.security.PlantScope scope) throws SQLException {
        String[] patterns = scope == null ? null : scope.likePatterns();
        return patterns == null ? null : c.createArrayOf("text", patterns);
    }
}
