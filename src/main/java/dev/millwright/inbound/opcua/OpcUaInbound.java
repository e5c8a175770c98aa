package dev.millwright.inbound.opcua;

import org.eclipse.milo.opcua.sdk.client.identity.UsernameProvider;
import org.eclipse.milo.opcua.stack.core.security.SecurityPolicy;
import org.eclipse.milo.opcua.stack.core.types.builtin.LocalizedText;
import org.eclipse.milo.opcua.stack.core.types.enumerated.MessageSecurityMode;
import dev.millwright.health.Health;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.millwright.event.Json;
import dev.millwright.inbound.InboundConnector;
import dev.millwright.inbound.Inbox;
import dev.millwright.inbound.PayloadFormat;
import dev.millwright.metrics.HubMetrics;
import org.eclipse.milo.opcua.sdk.client.OpcUaClient;
import org.eclipse.milo.opcua.sdk.client.subscriptions.OpcUaMonitoredItem;
import org.eclipse.milo.opcua.sdk.client.subscriptions.OpcUaSubscription;
import org.eclipse.milo.opcua.stack.core.UaException;
import org.eclipse.milo.opcua.stack.core.types.builtin.DataValue;
import org.eclipse.milo.opcua.stack.core.types.builtin.DateTime;
import org.eclipse.milo.opcua.stack.core.types.builtin.NodeId;
import org.eclipse.milo.opcua.stack.core.types.builtin.StatusCode;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Monitors OPC UA nodes (machine states, counters, temperatures) and hands each value change to the
 * system's mapping as {node, nodeId, value, previous, status, sourceTime, serverTime}; the mapping says
 * which events the change raises (a state turning STOPPED → equipment.downtime.started, a threshold
 * crossed). A lost connection or subscription is rebuilt from scratch with backoff; the server then
 * sends every node's current value again, so a state that changed while the hub was away is seen, and
 * events keyed by the value's source time come back as duplicates rather than twice.
 */
public final class OpcUaInbound implements InboundConnector.Reader {
    private static final Logger log = LoggerFactory.getLogger(OpcUaInbound.class);

    private record Change(String node, String nodeId, DataValue value) {
    }

    private final String system;
    private final InboundOpcUa config;
    private final Inbox inbox;
    private final HubMetrics metrics;
    /** The last value per node, for conditions on a change (kept across reconnections, not across restarts). */
    private final Map<String, Object> previous = new HashMap<>();
    /** Set when a connection was lost or refused, so the next one counts as a reconnection. */
    private volatile boolean lost;

    public OpcUaInbound(String system, InboundOpcUa config, Inbox inbox, HubMetrics metrics) {
        this.system = system;
        this.config = config;
        this.inbox = inbox;
        this.metrics = metrics;
    }

    @Override
    public String system() {
        return system;
    }

    @Override
    public String channel() {
        return config.kind();
    }

    @Override
    public void run(InboundConnector.Lease lease) throws InterruptedException {
        Duration backoff = Duration.ofSeconds(1);
        while (lease.held()) {
            BlockingQueue<Change> changes = new LinkedBlockingQueue<>();
            AtomicReference<String> broken = new AtomicReference<>();
            OpcUaClient client = null;
            try {
                client = client();
                client.connect();
                client.addSessionActivityListener(new org.eclipse.milo.opcua.sdk.client.SessionActivityListener() {
                    @Override
                    public void onSessionInactive(org.eclipse.milo.opcua.sdk.client.UaSession session) {
                        lost = true;
                        broken.compareAndSet(null, "lost the session with " + config.endpoint());
                    }

                    @Override
                    public void onSessionActive(org.eclipse.milo.opcua.sdk.client.UaSession session) {
                        // The client may re-establish its session by itself before this reader rebuilds it.
                        if (lost) {
                            lost = false;
                            metrics.reconnected(system);
                        }
                    }
                });
                subscribe(client, changes, broken);
                if (lost) {
                    lost = false;
                    metrics.reconnected(system);
                }
                log.info("{}: monitoring {} nodes on {}", system, config.nodes().size(), config.endpoint());
                lease.ok();
                backoff = Duration.ofSeconds(1);
                while (lease.held() && broken.get() == null) {
                    Change c = changes.poll(200, TimeUnit.MILLISECONDS);
                    if (c != null && !take(c, lease)) return;
                }
                if (broken.get() != null) {
                    lost = true;
                    metrics.connectorError(system, "opcua-subscription-lost");
                    lease.problem(broken.get() + "; reconnecting");
                }
            } catch (UaException | RuntimeException e) {
                lost = true;
                metrics.connectorError(system, "opcua-connect");
                lease.problem("cannot monitor " + config.endpoint() + ": " + describe(e) + "; retrying in " + backoff.toSeconds() + " s");
                lease.pause(backoff);
                backoff = min(backoff.multipliedBy(2), config.reconnectMax());
            } finally {
                if (client != null) disconnect(client);
            }
        }
    }

    /** Connects, reads every configured node once, and says which could not be read. */
    @Override
    public Health check() {
        long t0 = System.nanoTime();
        String problem = null;
        OpcUaClient client = null;
        try {
            client = client();
            client.connect();
            List<String> names = new java.util.ArrayList<>(config.nodes().keySet());
            List<DataValue> values = client.readValues(0.0, org.eclipse.milo.opcua.stack.core.types.enumerated.TimestampsToReturn.Neither,
                    names.stream().map(n -> NodeId.parse(config.nodes().get(n).nodeId())).toList());
            List<String> bad = new java.util.ArrayList<>();
            for (int i = 0; i < names.size(); i++) {
                StatusCode status = values.get(i).getStatusCode();
                if (status != null && status.isBad()) bad.add(names.get(i) + " (" + config.nodes().get(names.get(i)).nodeId() + "): " + status);
            }
            if (!bad.isEmpty()) problem = "cannot read " + String.join("; ", bad);
        } catch (UaException | RuntimeException e) {
            problem = "cannot connect to " + config.endpoint() + ": " + describe(e);
        } finally {
            if (client != null) disconnect(client);
        }
        return new Health(system, problem == null, config.endpoint(), null, (System.nanoTime() - t0) / 1_000_000,
                (config.username() == null ? "anonymous" : "user " + config.username())
                        + (config.security() == null ? "" : ", " + config.security().policy() + " " + config.security().mode()), problem);
    }

    /**
     * A client for the configured endpoint: security policy None, or the configured policy and mode with the hub's
     * application certificate, checking the server's certificate against the trust store; anonymous or a user.
     */
    private OpcUaClient client() throws UaException {
        var security = config.security();
        if (security == null && config.username() == null) return OpcUaClient.create(config.endpoint());
        SecurityPolicy policy = security == null ? SecurityPolicy.None : SecurityPolicy.valueOf(security.policy());
        MessageSecurityMode mode = security == null ? MessageSecurityMode.None : MessageSecurityMode.valueOf(security.mode());
        OpcKeys keys = security == null ? null : OpcKeys.load(security.stores());
        try {
            return OpcUaClient.create(config.endpoint(),
                    endpoints -> endpoints.stream()
                            .filter(e -> policy.getUri().equals(e.getSecurityPolicyUri()) && e.getSecurityMode() == mode).findFirst(),
                    transport -> {
                    },
                    builder -> {
                        builder.setApplicationName(LocalizedText.english("Millwright"))
                                .setApplicationUri(keys == null ? "urn:millwright:hub" : keys.applicationUri())
                                .setProductUri("urn:millwright");
                        if (keys != null) {
                            builder.setKeyPair(keys.keyPair()).setCertificate(keys.chain()[0]).setCertificateChain(keys.chain())
                                    .setCertificateValidator(keys.validator());
                        }
                        if (config.username() != null) {
                            builder.setIdentityProvider(new UsernameProvider(config.username(),
                                    config.password() == null ? "" : config.password().value()));
                        }
                    });
        } catch (UaException e) {
            if (e.getMessage() != null && e.getMessage().contains("no endpoint selected")) {
                throw new UaException(e.getStatusCode(), "the server offers no endpoint with security policy " + policy.name() + " and mode " + mode);
            }
            throw e;
        }
    }

    private void subscribe(OpcUaClient client, BlockingQueue<Change> changes, AtomicReference<String> broken) throws UaException {
        OpcUaSubscription subscription = new OpcUaSubscription(client, (double) config.publishingInterval().toMillis());
        subscription.setSubscriptionListener(new OpcUaSubscription.SubscriptionListener() {
            @Override
            public void onWatchdogTimerElapsed(OpcUaSubscription s) {
                broken.compareAndSet(null, "no data or keep-alive from " + config.endpoint() + " in time");
            }

            @Override
            public void onTransferFailed(OpcUaSubscription s, StatusCode status) {
                broken.compareAndSet(null, "the subscription was lost (" + status + ")");
            }

            @Override
            public void onStatusChanged(OpcUaSubscription s, StatusCode status) {
                if (status.isBad()) broken.compareAndSet(null, "the subscription ended (" + status + ")");
            }
        });
        subscription.create();
        for (var e : config.nodes().entrySet()) {
            OpcUaMonitoredItem item = OpcUaMonitoredItem.newDataItem(NodeId.parse(e.getValue().nodeId()));
            item.setSamplingInterval((double) e.getValue().samplingInterval().toMillis());
            item.setDataValueListener((i, value) -> changes.add(new Change(e.getKey(), e.getValue().nodeId(), value)));
            subscription.addMonitoredItem(item);
        }
        subscription.synchronizeMonitoredItems();
    }

    /** Stores the change's events; retries while the database is away. @return false if the lease was lost meanwhile */
    private boolean take(Change c, InboundConnector.Lease lease) throws InterruptedException {
        // A value with a bad status (e.g. the server shutting down) may carry no variant at all.
        Object value = c.value().getValue() == null ? null : plain(c.value().getValue().getValue());
        ObjectNode input = Json.MAPPER.createObjectNode();
        input.put("node", c.node());
        input.put("nodeId", c.nodeId());
        input.set("value", Json.MAPPER.valueToTree(value));
        input.set("previous", Json.MAPPER.valueToTree(previous.get(c.node())));
        input.put("status", c.value().getStatusCode() == null ? "Good" : statusName(c.value().getStatusCode()));
        input.put("sourceTime", time(c.value().getSourceTime()));
        input.put("serverTime", time(c.value().getServerTime()));
        byte[] payload = input.toString().getBytes(StandardCharsets.UTF_8);
        Inbox.Receipt receipt = lease.untilStored(() -> inbox.take(new Inbox.Origin(system, config.kind(), c.nodeId()),
                new Inbox.Route(config.mapping(), config.source()), PayloadFormat.JSON, payload, Map.of()), "value changes wait");
        if (receipt == null) return false;
        if (receipt.deadLettered()) log.warn("{}: change of {} dead-lettered as inbound failure {}: {}", system, c.node(), receipt.failureId(), receipt.reason());
        previous.put(c.node(), value);
        return true;
    }

    /** JSON-friendly form of an OPC UA value: numbers, booleans and text as they are, anything else as its text. */
    private static Object plain(Object v) {
        if (v == null || v instanceof Number || v instanceof Boolean || v instanceof String) return v;
        if (v instanceof DateTime t) return time(t);
        if (v instanceof org.eclipse.milo.opcua.stack.core.types.builtin.LocalizedText t) return t.text();
        if (v instanceof org.eclipse.milo.opcua.stack.core.types.builtin.unsigned.UNumber n) return n.longValue();
        return v.toString();
    }

    private static String statusName(StatusCode status) {
        if (status.isGood()) return "Good";
        return status.isUncertain() ? "Uncertain" : "Bad";
    }

    private static String time(DateTime t) {
        return t == null || t.isNull() ? null : t.getJavaInstant().toString();
    }

    private static Duration min(Duration a, Duration b) {
        return a.compareTo(b) <= 0 ? a : b;
    }

    private static String describe(Throwable e) {
        while (e.getCause() != null && e.getCause() != e && (e.getMessage() == null || e instanceof java.util.concurrent.CompletionException)) {
            e = e.getCause();
        }
        String text = e.getClass().getSimpleName() + (e.getMessage() == null ? "" : ": " + e.getMessage());
        // Say what an operator can do about the two refusals a secured endpoint gives most.
        if (text.contains("Bad_SecurityChecksFailed") || text.contains("Bad_CertificateUntrusted")) {
            return "the server's certificate is not trusted (is it, or its CA, in security.trustStore?) or it refused the hub's: " + text;
        }
        if (text.contains("Bad_IdentityTokenRejected") || text.contains("Bad_IdentityTokenInvalid") || text.contains("Bad_UserAccessDenied")) {
            return "the server refused the user (user name or password wrong?): " + text;
        }
        return text;
    }

    private static void disconnect(OpcUaClient client) {
        try {
            client.disconnect();
        } catch (UaException | RuntimeException e) {
            log.debug("OPC UA disconnect: {}", e.getMessage());
        }
    }
}
