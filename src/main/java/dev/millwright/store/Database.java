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
    private final HikariDataSource lazyDataSource;
    private final HikariDataSource cachedPlanDataSource;
    private final String url;
    private final String user;
    private final String password;
    private final String schema;

    private Database(HikariDataSource dataSource, HikariDataSource lazyDataSource, HikariDataSource cachedPlanDataSource, String url,
                     String user, String password, String schema) {
        this.dataSource = dataSource;
        this.lazyDataSource = lazyDataSource;
        this.cachedPlanDataSource = cachedPlanDataSource;
        this.url = url;
        this.user = user;
        this.password = password;
        this.schema = schema;
    }

    public static Database open(String url, String user, String password, String schema, int poolSize) {
        HikariDataSource ds = new HikariDataSource(pool(url, user, password, schema, poolSize, "millwright"));
        HikariConfig lazy = pool(url, user, password, schema, Math.max(2, poolSize / 2), "millwright-lazy");
        lazy.setConnectionInitSql("set synchronous_commit to off");
        HikariConfig cachedPlans = pool(url, user, password, schema, Math.max(2, poolSize / 4), "millwright-cached-plans");
        cachedPlans.setConnectionInitSql("set synchronous_commit to off");
        // The lane claim and the settlement run thousands of times a second, and their best plans do not depend on their
        // parameters (an index walk of one lane in id order to a limit; one primary-key probe per outcome): plan each once
        // per connection. Planning the claim every time was 72 % of its database time at 1,000 events/s (measured).
        // Sequential scans are discouraged so that a plan made while the tables were small is the index plan still right
        // when they are large. A statement goes here only after its generic plan is checked at size: a generic plan
        // assumes an array parameter holds ten elements, and the settlement as first written (an "id = any(...)" beside
        // its join) was joined by nested loop over both arrays, a second a statement for 900 outcomes (measured).
        cachedPlans.addDataSourceProperty("options", "-c plan_cache_mode=force_generic_plan -c enable_seqscan=off");
        HikariDataSource lazyDs = null;
        HikariDataSource cachedPlansDs = null;
        try {
            lazyDs = new HikariDataSource(lazy);
            cachedPlansDs = new HikariDataSource(cachedPlans);
            Flyway.configure()
                    .dataSource(ds)
                    .schemas(schema)
                    .createSchemas(true)
                    .locations("classpath:db/migration")
                    .load()
                    .migrate();
        } catch (RuntimeException e) {
            ds.close();
            if (lazyDs != null) lazyDs.close();
            if (cachedPlansDs != null) cachedPlansDs.close();
            throw e;
        }
        return new Database(ds, lazyDs, cachedPlansDs, url, user, password, schema);
    }

    private static HikariConfig pool(String url, String user, String password, String schema, int size, String name) {
        HikariConfig config = new HikariConfig();
        config.setJdbcUrl(url);
        config.setUsername(user);
        config.setPassword(password);
        config.setSchema(schema);
        config.setMaximumPoolSize(size);
        config.setPoolName(name);
        config.setConnectionTimeout(10_000);
        config.addDataSourceProperty("ApplicationName", "millwright");
        // Plan every execution with its parameters: a generic plan cached while the tables were small
        // (a sequential scan) would otherwise be kept as they grow.
        config.addDataSourceProperty("options", "-c plan_cache_mode=force_custom_plan");
        return config;
    }

    public DataSource dataSource() {
        return dataSource;
    }

    /**
     * Connections whose commits do not wait for the WAL flush. Only for writes that may be lost in a
     * database crash without breaking a guarantee: delivery bookkeeping, where a lost update means a
     * delivery is sent again with the same Idempotency-Key (at-least-once); routing, where a lost transaction
     * leaves its queued events queued (its deliveries, flow starts and alert expectations are lost with it, all or
     * nothing) and they are routed again, under the same keys; NOTIFY. A kill of the hub loses nothing: the
     * database has the commit. Every later commit that waits for the flush flushes these too (the WAL is in order).
     */
    public DataSource lazyDataSource() {
        return lazyDataSource;
    }

    /**
     * Connections for the lane workers' claims, settlements and retry reads: lazy like {@link #lazyDataSource()}, each
     * statement planned once per connection (see open for why, and what a statement must show before it runs here).
     */
    public DataSource cachedPlanDataSource() {
        return cachedPlanDataSource;
    }

    public Connection connection() throws SQLException {
        return dataSource.getConnection();
    }

    /** A connection outside the pool, for LISTEN (it is held for the life of the node). */
    public Connection dedicatedConnection() throws SQLException {
        return dedicatedConnection("millwright");
    }

    /** A connection outside the pool, named for pg_stat_activity. */
    public Connection dedicatedConnection(String applicationName) throws SQLException {
        var props = new java.util.Properties();
        props.setProperty("ApplicationName", applicationName);
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
        cachedPlanDataSource.close();
        lazyDataSource.close();
        dataSource.close();
    }
}
