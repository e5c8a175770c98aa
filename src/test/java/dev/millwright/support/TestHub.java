package dev.millwright.support;

import dev.millwright.config.PlantConfig;
import dev.millwright.hub.Hub;
import dev.millwright.store.Database;

import java.time.Clock;
import java.util.List;

/** An in-process hub on a fresh schema of the test PostgreSQL, with a client for it. */
public final class TestHub implements AutoCloseable {
    public final Database db;
    public final Hub hub;
    public final HubClient client;

    private TestHub(Database db, Hub hub) {
        this.db = db;
        this.hub = hub;
        this.client = new HubClient(hub.port());
    }

    public static TestHub start(String schemaPrefix, TestPlant plant) {
        return start(schemaPrefix, plant, Clock.systemUTC());
    }

    public static TestHub start(String schemaPrefix, TestPlant plant, Clock clock) {
        return startOn(TestPostgres.newSchema(schemaPrefix), plant, clock);
    }

    /** A hub on a loaded plant (e.g. one whose values come from an environment of the test's own). */
    public static TestHub start(String schemaPrefix, PlantConfig plant) {
        Database db = Database.open(TestPostgres.jdbcUrl(), "postgres", null, TestPostgres.newSchema(schemaPrefix), 12);
        try {
            return new TestHub(db, Hub.start(plant, db, List.of(HubClient.TOKEN), Clock.systemUTC()));
        } catch (RuntimeException e) {
            db.close();
            throw e;
        }
    }

    /** A hub on a given schema (kept between hubs, to restart one on the same data). */
    public static TestHub startOn(String schema, TestPlant plant, Clock clock) {
        Database db = Database.open(TestPostgres.jdbcUrl(), "postgres", null, schema, 12);
        try {
            return new TestHub(db, Hub.start(PlantConfig.load(plant.dir()), db, List.of(HubClient.TOKEN), clock));
        } catch (RuntimeException e) {
            db.close();
            throw e;
        }
    }

    @Override
    public void close() {
        client.close();
        hub.close();
        db.close();
    }
}
