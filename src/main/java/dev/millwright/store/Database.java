package dev.millwright.store;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import org.flywaydb.core.Flyway;

import javax.sql.DataSource;
import java.sql.Connection;
import java.sql.SQLException;

/** The hub's PostgreSQL: a pooled DataSource on one schema, migrated by Flyway on open. */
public final class Database implements AutoCloseable {
    private final HikariDataSource dataSource;
    private final String url;
    private final String user;
    private final String password;
    private final String schema;

    private Database(HikariDataSource dataSource, String url, String user, String password, String schema) {
        this.dataSource = dataSource;
        this.url = url;
        this.user = user;
        this.password = password;
        this.schema = schema;
    }

    public static Database open(String url, String user, String password, String schema, int poolSize) {
        HikariConfig config = new HikariConfig();
        config.setJdbcUrl(url);
        config.setUsername(user);
        config.setPassword(password);
        config.setSchema(schema);
        config.setMaximumPoolSize(poolSize);
        config.setPoolName("millwright");
        config.setConnectionTimeout(10_000);
        config.addDataSourceProperty("reWriteBatchedInserts", "true");
        config.addDataSourceProperty("ApplicationName", "millwright");
        HikariDataSource ds = new HikariDataSource(config);
        try {
            Flyway.configure()
                    .dataSource(ds)
                    .schemas(schema)
                    .createSchemas(true)
                    .locations("classpath:db/migration")
                    .load()
                    .migrate();
        } catch (RuntimeException e) {
            ds.close();
            throw e;
        }
        return new Database(ds, url, user, password, schema);
    }

    public DataSource dataSource() {
        return dataSource;
    }

    public Connection connection() throws SQLException {
        return dataSource.getConnection();
    }

    /** A connection outside the pool, for LISTEN (it is held for the life of the node). */
    public Connection dedicatedConnection() throws SQLException {
        var props = new java.util.Properties();
        props.setProperty("user", user);
        if (password != null) props.setProperty("password", password);
        Connection c = java.sql.DriverManager.getConnection(url, props);
        c.setSchema(schema);
        return c;
    }

    public String schema() {
        return schema;
    }

    public boolean isReachable() {
        try (Connection c = dataSource.getConnection()) {
            return c.isValid(2);
        } catch (SQLException e) {
            return false;
        }
    }

    @Override
    public void close() {
        dataSource.close();
    }
}
