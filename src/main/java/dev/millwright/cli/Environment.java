package dev.millwright.cli;

import dev.millwright.store.Database;
import dev.millwright.store.EmbeddedDatabase;

import java.io.IOException;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.Optional;

/** Settings that come from the environment: the database and the admin token. */
final class Environment {
    private Environment() {
    }

    /** The database and, when embedded, the server that holds it; close both in that order. */
    record Store(Database db, Optional<EmbeddedDatabase> embedded) implements AutoCloseable {
        @Override
        public void close() throws IOException {
            db.close();
            if (embedded.isPresent()) embedded.get().close();
        }
    }

    static Store openStore() throws IOException {
        return openStore(Path.of(env("MILLWRIGHT_DATA_DIR", "data")));
    }

    /** @param dataDir the embedded PostgreSQL's folder when no MILLWRIGHT_DB_URL names a server */
    static Store openStore(Path dataDir) throws IOException {
        String url = System.getenv("MILLWRIGHT_DB_URL");
        String schema = env("MILLWRIGHT_DB_SCHEMA", "millwright");
        int pool = Integer.parseInt(env("MILLWRIGHT_DB_POOL", "24"));
        if (url != null && !url.isBlank()) {
            return new Store(Database.open(url, System.getenv("MILLWRIGHT_DB_USER"), System.getenv("MILLWRIGHT_DB_PASSWORD"),
                    schema, pool), Optional.empty());
        }
        EmbeddedDatabase embedded = EmbeddedDatabase.start(dataDir);
        try {
            System.out.println("embedded PostgreSQL on 127.0.0.1:" + embedded.port() + ", data in " + dataDir.toAbsolutePath());
            return new Store(Database.open(embedded.jdbcUrl(), embedded.user(), null, schema, pool), Optional.of(embedded));
        } catch (RuntimeException e) {
            embedded.close();
            throw e;
        }
    }

    /** MILLWRIGHT_ADMIN_TOKEN, or a new random one that is printed once so the operator can use it. */
    static String adminToken() {
        String token = System.getenv("MILLWRIGHT_ADMIN_TOKEN");
        if (token != null && !token.isBlank()) return token;
        byte[] bytes = new byte[24];
        new SecureRandom().nextBytes(bytes);
        String generated = Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
        System.out.println("MILLWRIGHT_ADMIN_TOKEN is not set; this run's admin token is: " + generated);
        return generated;
    }

    /** Prints each error as DIR/FILE:LINE: KEY: MESSAGE, and how many there were. */
    static void printErrors(Path dir, dev.millwright.config.spec.ConfigException e, String afterCount) {
        for (var error : e.errors()) System.out.println(dir.resolve(error.file()) + ":" + error.line() + ": "
                + (error.key().isEmpty() ? "" : error.key() + ": ") + error.message());
        System.out.println(e.errors().size() + " error(s)" + afterCount);
    }

    /** The plant folder, or null after printing its errors (the command then exits with 2). */
    static dev.millwright.config.PlantConfig loadPlant(Path config) {
        return loadPlant(config, null);
    }

    /** @param environment whose values (environments/NAME.yaml) go over the plant files, or null */
    static dev.millwright.config.PlantConfig loadPlant(Path config, String environment) {
        try {
            return dev.millwright.config.PlantConfig.load(config, System::getenv, environment);
        } catch (dev.millwright.config.spec.ConfigException e) {
            System.err.println("configuration errors in " + config + ":\n" + e.getMessage());
            return null;
        }
    }

    static String env(String name, String fallback) {
        String v = System.getenv(name);
        return v == null || v.isBlank() ? fallback : v;
    }
}
