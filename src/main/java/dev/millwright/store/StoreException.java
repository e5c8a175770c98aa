package dev.millwright.store;

import java.sql.SQLException;

/** The database failed or could not be reached; callers answer 503 or retry, never lose data. */
public final class StoreException extends RuntimeException {
    public StoreException(SQLException cause) {
        super("database error: " + cause.getMessage(), cause);
    }
}
