package dev.millwright.inbound.opcua;

import dev.millwright.config.ConfigValues;
import dev.millwright.config.SystemConfig;
import dev.millwright.config.Tls;
import dev.millwright.config.spec.Secret;
import dev.millwright.config.spec.Spec;
import dev.millwright.connector.Connector;
import dev.millwright.inbound.InboundConnector;
import dev.millwright.inbound.InboundFields;
import dev.millwright.inbound.Inbox;
import dev.millwright.metrics.HubMetrics;
import org.eclipse.milo.opcua.stack.core.types.builtin.NodeId;

import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static dev.millwright.config.ConfigValues.get;
import static dev.millwright.config.spec.Spec.duration;
import static dev.millwright.config.spec.Spec.object;
import static dev.millwright.config.spec.Spec.oneOf;
import static dev.millwright.config.spec.Spec.optional;
import static dev.millwright.config.spec.Spec.required;
import static dev.millwright.config.spec.Spec.secret;
import static dev.millwright.config.spec.Spec.string;

/**
 * Monitoring an OPC UA server's nodes (inbound.opcua).
 *
 * @param security null: security policy None
 * @param username null: anonymous
 */
public record InboundOpcUa(String endpoint, Map<String, Node> nodes, Duration publishingInterval, String mapping, String source,
                           Duration reconnectMax, Security security, String username, Secret password) implements InboundConnector.Channel {

    /** A monitored node. */
    public record Node(String nodeId, Duration samplingInterval) {
    }

    /** An OPC UA security policy and mode, with the hub's application certificate and the servers it trusts. */
    public record Security(String policy, String mode, Tls stores) {
    }

    public static final Spec.Obj SPEC = object(
            required("endpoint", string(), "The server's endpoint URL.", "opc.tcp://127.0.0.1:4840/plc"),
            optional("security", object(
                    optional("policy", oneOf("None", "Basic256Sha256", "Aes128_Sha256_RsaOaep", "Aes256_Sha256_RsaPss"), "None",
                            "Security policy of the endpoint to use. Any but None signs (and with mode SignAndEncrypt encrypts) every "
                            + "message with the hub's application certificate, and checks the server's against the trust store."),
                    optional("mode", oneOf("Sign", "SignAndEncrypt"), "SignAndEncrypt", "Message security mode with a policy other than None."),
                    optional("keyStore", string(), null, "Keystore with the hub's application instance certificate and key (its "
                            + "subject alternative name URI is the hub's application URI); required with a policy."),
                    optional("keyStorePassword", secret(), null, "The key store's password."),
                    optional("trustStore", string(), null, "Keystore with the certificates of the servers to trust (or their CA); "
                            + "required with a policy: a server certificate not in it is refused."),
                    optional("trustStorePassword", secret(), null, "The trust store's password."),
                    optional("type", oneOf("PKCS12", "JKS"), "PKCS12", "Format of both stores.")
            ), null, "Message security (signed and encrypted endpoints)."),
            optional("username", string(), null, "User name for user authentication (anonymous without)."),
            optional("password", secret(), null, "The user's password."),
            required("nodes", new Spec.MapOf(object(
                    required("nodeId", string(), "The node to monitor, in OPC UA notation.", "ns=2;s=CNC-07/State"),
                    optional("samplingInterval", duration(), "250ms", "How often the server samples the value.")
            )), "Nodes to monitor, by a name the mapping sees as $node.", null),
            optional("publishingInterval", duration(), "500ms", "How often the server sends the changes it has sampled."),
            InboundFields.mapping("machine-downtime.jsonata"),
            InboundFields.source(),
            optional("reconnectMax", duration(), "30s", "Longest wait between connection attempts (they start at 1 s and double).")
    );

    public static final Connector CONNECTOR = Connector.in("opcua", SPEC, "opcua-inbound", "OPC UA in",
            "Value changes of OPC UA nodes (a subscription per connection). The mapping "
                    + "sees each change as {node, nodeId, value, previous, status, sourceTime, serverTime} and returns the events "
                    + "the change raises (none, e.g., when no condition holds).", InboundOpcUa::from);

    static InboundOpcUa from(Map<String, Object> o) {
        Map<String, Node> nodes = new LinkedHashMap<>();
        Map<String, Object> given = get(o, "nodes");
        given.forEach((name, v) -> {
            @SuppressWarnings("unchecked") Map<String, Object> n = (Map<String, Object>) v;
            nodes.put(name, new Node(get(n, "nodeId"), get(n, "samplingInterval")));
        });
        var sec = ConfigValues.section(o, "security");
        Security security = sec == null || "None".equals(get(sec, "policy")) ? null
                : new Security(get(sec, "policy"), get(sec, "mode"), Tls.stores(sec));
        return new InboundOpcUa(get(o, "endpoint"), Map.copyOf(nodes), get(o, "publishingInterval"), get(o, "mapping"), get(o, "source"),
                get(o, "reconnectMax"), security, get(o, "username"), get(o, "password"));
    }

    @Override
    public String kind() {
        return "opcua";
    }

    @Override
    public List<SystemConfig.Problem> problems() {
        List<SystemConfig.Problem> out = new ArrayList<>();
        if (security != null && (security.stores().keyStore() == null || security.stores().trustStore() == null)) {
            out.add(new SystemConfig.Problem("security", "keyStore and trustStore are required with policy "
                    + security.policy() + ": the hub signs with its certificate and refuses servers it does not trust"));
        }
        nodes.forEach((name, node) -> {
            if (NodeId.parseOrNull(node.nodeId()) == null) {
                out.add(new SystemConfig.Problem("nodes." + name + ".nodeId",
                        "'" + node.nodeId() + "' is not an OPC UA node id (e.g. ns=2;s=CNC-07/State or ns=3;i=1001)"));
            }
        });
        return out;
    }

    @Override
    public InboundConnector.Reader reader(String system, Inbox inbox, Clock clock, HubMetrics metrics) {
        return new OpcUaInbound(system, this, inbox, metrics);
    }
}
