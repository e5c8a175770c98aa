package dev.millwright.flow;

import dev.millwright.config.spec.ConfigError;
import dev.millwright.store.FlowStore;
import dev.millwright.store.Jdbc;

import javax.sql.DataSource;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The flows this node runs: the plant's current definitions (new instances start on them), and any older version an
 * instance still runs on, read back from flow_definitions on first use. Versions are content hashes, so every node
 * agrees on them.
 */
public final class FlowCatalog {
    private final Map<String, Flow> current;
    private final Map<String, Flow> versions = new ConcurrentHashMap<>();

    public FlowCatalog(List<Flow> flows) {
        Map<String, Flow> byName = new LinkedHashMap<>();
        for (Flow f : flows) {
            byName.put(f.name(), f);
            versions.put(f.name() + '@' + f.version(), f);
        }
        this.current = Map.copyOf(byName);
    }

    /** Records the current versions, so instances started on them can finish on them after the files change. */
    public FlowCatalog register(DataSource ds) {
        Jdbc.inTransaction(ds, c -> {
            for (Flow f : current.values()) FlowStore.define(c, f.name(), f.version(), f.source());
            return null;
        });
        return this;
    }

    public Collection<Flow> current() {
        return current.values();
    }

    public Flow current(String name) {
        return current.get(name);
    }

    /** The version an instance runs on. */
    public Flow version(Connection c, String name, String version) throws SQLException {
        Flow known = versions.get(name + '@' + version);
        if (known != null) return known;
        String source = FlowStore.definition(c, name, version)
                .orElseThrow(() -> new IllegalStateException("flow " + name + " version " + version + " is not in flow_definitions"));
        List<ConfigError> errors = new ArrayList<>();
        Flow flow = FlowFiles.parse("flows/" + name + ".yaml@" + version, source, null, errors);
        if (flow == null) throw new IllegalStateException("stored flow " + name + " version " + version + " no longer reads: " + errors);
        versions.put(name + '@' + version, flow);
        return flow;
    }

    /** Whether some current flow starts on, or waits for, events of this type (only those reach the flows). */
    public boolean takes(String type) {
        for (Flow f : current.values()) {
            if (f.trigger().matches(type)) return true;
            for (Flow.Step w : f.waits()) {
                if (Flow.typeMatches(((Flow.Wait) w.kind()).on(), type)) return true;
            }
        }
        return false;
    }
}
