package dev.millwright.support;

import dev.millwright.store.Database;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.concurrent.atomic.AtomicInteger;

/** One real PostgreSQL for the whole test run; every test gets a schema of its own. */
public final class TestPostgres {
    private static final AtomicInteger SCHEMAS = new AtomicInteger();
    private static EmbeddedPostgres server;

    private TestPostgres() {
    }

    public static synchronized EmbeddedPostgres server() {
        if (server == null) {
            try {
                server = EmbeddedPostgres.builder()
                        .setServerConfig("listen_addresses", "127.0.0.1")
                        .setServerConfig("max_connections", "400")
                        .setServerConfig("fsync", "off") // test speed; durability is tested against a real kill of the hub
                        .start();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        return server;
    }

    public static String jdbcUrl() {
        return server().getJdbcUrl("postgres", "postgres");
    }

    /** A fresh, migrated schema. */
    public static Database newDatabase(String prefix) {
        return Database.open(jdbcUrl(), "postgres", null, newSchema(prefix), 12);
    }

    public static String newSchema(String prefix) {
        return (prefix + "_" + SCHEMAS.incrementAndGet() + "_" + ProcessHandle.current().pid()).toLowerCase();
    }
}
