package dev.millwright.kafka;

import dev.millwright.health.Health;
import dev.millwright.config.spec.Secret;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/** Asks a Kafka cluster, with a system's client properties, for its brokers and (optionally) topics. */
public final class KafkaCluster {
    private KafkaCluster() {
    }

    /** @param topics topics that must exist (empty: none checked) */
    public static Health check(String system, String bootstrap, Map<String, Secret> properties, Duration timeout, List<String> topics)
            throws InterruptedException {
        long t0 = System.nanoTime();
        Properties p = new Properties();
        properties.forEach((k, v) -> p.put(k, v.value()));
        p.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        p.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, (int) timeout.toMillis());
        p.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, (int) timeout.toMillis());
        String where = "kafka://" + bootstrap;
        try (Admin admin = Admin.create(p)) {
            int nodes = admin.describeCluster().nodes().get(timeout.toMillis(), TimeUnit.MILLISECONDS).size();
            if (!topics.isEmpty()) {
                var existing = admin.listTopics().names().get(timeout.toMillis(), TimeUnit.MILLISECONDS);
                List<String> missing = topics.stream().filter(t -> !existing.contains(t)).toList();
                if (!missing.isEmpty()) {
                    return new Health(system, false, where, null, elapsed(t0), "properties", "no such topic: " + String.join(", ", missing));
                }
            }
            return new Health(system, true, where + " (" + nodes + " brokers)", null, elapsed(t0), "properties", null);
        } catch (ExecutionException | TimeoutException e) {
            Throwable cause = e instanceof ExecutionException ? e.getCause() : e;
            return new Health(system, false, where, null, elapsed(t0), "properties", "cannot reach Kafka at " + bootstrap + " within "
                    + timeout.toMillis() + " ms: " + cause.getClass().getSimpleName() + (cause.getMessage() == null ? "" : " " + cause.getMessage()));
        }
    }

    private static long elapsed(long t0) {
        return (System.nanoTime() - t0) / 1_000_000;
    }
}
