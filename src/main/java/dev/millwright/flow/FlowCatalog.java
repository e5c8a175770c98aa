package dev.millwright.flow;

import dev.millwright.config.spec.ConfigError;
import dev.millwright.store.FlowStore;
import dev.millwright.store.Jdbc;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

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
    private static final Logger log = LoggerFactory.getLogger(FlowCatalog.class);
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

    /**
     * Records the current versions, so instances started on them can finish on them after the files change, and logs
     * what changed against the versions instances still run on.
     */
    public FlowCatalog register(DataSource ds) {
        Jdbc.inTransaction(ds, c -> {
            for (Flow f : current.values()) FlowStore.define(c, f.name(), f.version(), f.source());
            for (String line : changes(c)) log.info(line);
            // Older versions instances still run on: events their waits take are kept under the keys those waits compute.
            for (FlowStore.Definition d : FlowStore.definitions(c)) {
                if (d.active() == 0) continue;
                try {
                    version(c, d.name(), d.version());
                } catch (IllegalStateException e) {
                    log.warn("{}: its instances stop when they next advance, with this reason", e.getMessage());
                }
            }
            return null;
        });
        return this;
    }

    /** For each current flow whose file differs from a version with active instances: what changed, and who stays on it. */
    public List<String> changes(Connection c) throws SQLException {
        List<String> out = new ArrayList<>();
        for (FlowStore.Definition d : FlowStore.definitions(c)) {
            Flow f = current.get(d.name());
            if (f == null) {
                if (d.active() > 0) out.add("flow " + d.name() + " is no longer in flows/: " + d.active() + " active instance(s) finish on version " + d.version());
                continue;
            }
            if (f.version().equals(d.version()) || d.active() == 0) continue;
            String before = FlowStore.definition(c, d.name(), d.version()).orElse("");
            out.add("flow " + f.name() + ": version " + f.version() + " replaces " + d.version() + ", on which " + d.active()
                    + " active instance(s) finish; new instances take " + f.version() + ": " + String.join("; ", FlowDiff.describe(before, f.source())));
        }
        return out;
    }

    public Collection<Flow> current() {
        return current.values();
    }

    /** Every version this node knows: the current ones, and the older ones instances ran on since it started. */
    public Collection<Flow> known() {
        return versions.values();
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

    /** Whether some current flow starts on, or some known version waits for, events of this type (only those reach the flows). */
    public boolean takes(String type) {
        for (Flow f : current.values()) if (f.trigger().matches(type)) return true;
        for (Flow f : versions.values()) {
            for (Flow.Step w : f.waits()) {
                if (Flow.typeMatches(((Flow.Wait) w.kind()).on(), type)) return true;
            }
        }
        return false;
    }
}
