package dev.millwright.support;

import org.eclipse.milo.opcua.sdk.core.AccessLevel;
import org.eclipse.milo.opcua.sdk.core.Reference;
import org.eclipse.milo.opcua.sdk.server.EndpointConfig;
import org.eclipse.milo.opcua.sdk.server.ManagedNamespaceWithLifecycle;
import org.eclipse.milo.opcua.sdk.server.OpcUaServer;
import org.eclipse.milo.opcua.sdk.server.OpcUaServerConfig;
import org.eclipse.milo.opcua.sdk.server.items.DataItem;
import org.eclipse.milo.opcua.sdk.server.items.MonitoredItem;
import org.eclipse.milo.opcua.sdk.server.nodes.UaVariableNode;
import org.eclipse.milo.opcua.sdk.server.util.SubscriptionModel;
import org.eclipse.milo.opcua.stack.core.NodeIds;
import org.eclipse.milo.opcua.stack.core.security.DefaultCertificateManager;
import org.eclipse.milo.opcua.stack.core.security.MemoryCertificateQuarantine;
import org.eclipse.milo.opcua.stack.core.security.SecurityPolicy;
import org.eclipse.milo.opcua.stack.core.types.builtin.DataValue;
import org.eclipse.milo.opcua.stack.core.types.builtin.DateTime;
import org.eclipse.milo.opcua.stack.core.types.builtin.LocalizedText;
import org.eclipse.milo.opcua.stack.core.types.builtin.NodeId;
import org.eclipse.milo.opcua.stack.core.types.builtin.StatusCode;
import org.eclipse.milo.opcua.stack.core.types.builtin.Variant;
import org.eclipse.milo.opcua.stack.core.types.enumerated.MessageSecurityMode;
import org.eclipse.milo.opcua.stack.transport.server.tcp.OpcTcpServerTransport;
import org.eclipse.milo.opcua.stack.transport.server.tcp.OpcTcpServerTransportConfig;

import java.net.InetAddress;
import java.net.ServerSocket;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * A real OPC UA server (Eclipse Milo) on 127.0.0.1 standing in for a machine's PLC: a namespace of
 * variable nodes the test sets, served over opc.tcp with security mode None.
 */
public final class TestOpcUaServer implements AutoCloseable {
    public static final String NAMESPACE = "urn:millwright:test:plc";

    private final int port;
    private final Map<String, Object> initial;
    /** null: security policy None, anonymous; else Basic256Sha256 SignAndEncrypt with these users (name → password) */
    private final Map<String, String> users;
    private org.eclipse.milo.opcua.stack.core.security.DefaultApplicationGroup certificates;
    private OpcUaServer server;
    private Plc plc;

    /** @param initial node name (the string id, e.g. CNC-07/State) → first value */
    public TestOpcUaServer(Map<String, Object> initial) throws Exception {
        this(initial, null);
    }

    /**
     * A server whose only session endpoint is Basic256Sha256 SignAndEncrypt with user name authentication (discovery
     * stays on security policy None, as OPC UA has it); its application certificate is made at start.
     */
    public TestOpcUaServer(Map<String, Object> initial, Map<String, String> users) throws Exception {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            this.port = s.getLocalPort();
        }
        this.initial = initial;
        this.users = users;
        start();
    }

    /** The server's application certificate (to trust it). */
    public java.security.cert.X509Certificate certificate() throws Exception {
        var type = certificates.getSupportedCertificateTypeIds().getFirst();
        return certificates.getCertificateChain(type).orElseThrow()[0];
    }

    /** The security policy of each open session. */
    public List<String> sessionPolicies() {
        return server.getSessionManager().getAllSessions().stream().map(x -> x.getSecurityConfiguration().getSecurityPolicy().name()).toList();
    }

    public String endpoint() {
        return "opc.tcp://127.0.0.1:" + port + "/plc";
    }

    /** The node id a client uses for a node name. */
    public String nodeId(String name) {
        return "ns=" + server.getNamespaceTable().getIndex(NAMESPACE) + ";s=" + name;
    }

    /** The machine changes a value (stamped with the current time). */
    public void set(String name, Object value) {
        plc.set(name, value);
    }

    public void start() throws Exception {
        var base = EndpointConfig.newBuilder().setBindAddress("127.0.0.1").setHostname("127.0.0.1").setBindPort(port).setPath("/plc");
        Set<EndpointConfig> endpoints;
        DefaultCertificateManager certificateManager;
        if (users == null) {
            endpoints = Set.of(base.setSecurityPolicy(SecurityPolicy.None).setSecurityMode(MessageSecurityMode.None)
                    .addTokenPolicy(OpcUaServerConfig.USER_TOKEN_POLICY_ANONYMOUS).build());
            certificateManager = new DefaultCertificateManager(new MemoryCertificateQuarantine());
        } else {
            if (certificates == null) {
                var trust = new org.eclipse.milo.opcua.stack.core.security.MemoryTrustListManager();
                certificates = org.eclipse.milo.opcua.stack.core.security.DefaultApplicationGroup.createAndInitialize(trust,
                        new org.eclipse.milo.opcua.stack.core.security.MemoryCertificateStore(),
                        new org.eclipse.milo.opcua.stack.core.security.RsaSha256CertificateFactory() {
                            @Override
                            protected java.security.cert.X509Certificate[] createRsaSha256CertificateChain(java.security.KeyPair keyPair) throws Exception {
                                return new java.security.cert.X509Certificate[]{new org.eclipse.milo.opcua.stack.core.util.SelfSignedCertificateBuilder(keyPair)
                                        .setCommonName("Millwright test PLC").setApplicationUri("urn:millwright:test:plc-server")
                                        .addIpAddress("127.0.0.1").addDnsName("localhost").build()};
                            }
                        },
                        new org.eclipse.milo.opcua.stack.core.security.CertificateValidator.InsecureCertificateValidator());
            }
            endpoints = Set.of(
                    base.copy().setSecurityPolicy(SecurityPolicy.Basic256Sha256).setSecurityMode(MessageSecurityMode.SignAndEncrypt)
                            .setCertificate(certificate()).addTokenPolicy(OpcUaServerConfig.USER_TOKEN_POLICY_USERNAME).build(),
                    base.copy().setPath("/plc/discovery").setSecurityPolicy(SecurityPolicy.None).setSecurityMode(MessageSecurityMode.None).build());
            certificateManager = new DefaultCertificateManager(new MemoryCertificateQuarantine(), certificates);
        }
        var builder = OpcUaServerConfig.builder()
                .setApplicationUri("urn:millwright:test:plc-server")
                .setApplicationName(LocalizedText.english("Millwright test PLC"))
                .setProductUri("urn:millwright:test")
                .setCertificateManager(certificateManager)
                .setEndpoints(endpoints);
        if (users != null) {
            builder.setIdentityValidator(new org.eclipse.milo.opcua.sdk.server.identity.UsernameIdentityValidator(
                    challenge -> challenge.getPassword().equals(users.get(challenge.getUsername()))));
        }
        OpcUaServerConfig config = builder.build();
        server = new OpcUaServer(config, profile -> new OpcTcpServerTransport(OpcTcpServerTransportConfig.newBuilder().build()));
        plc = new Plc(server, initial);
        plc.startup();
        server.startup().get(20, TimeUnit.SECONDS);
    }

    /** Stops the server: clients lose their sessions and subscriptions until {@link #start()}. */
    public void stop() throws Exception {
        initial.putAll(plc.values());
        plc.shutdown();
        server.shutdown().get(20, TimeUnit.SECONDS);
    }

    @Override
    public void close() throws Exception {
        stop();
    }

    private static final class Plc extends ManagedNamespaceWithLifecycle {
        private final SubscriptionModel subscriptions;
        private final Map<String, UaVariableNode> nodes = new ConcurrentHashMap<>();

        Plc(OpcUaServer server, Map<String, Object> initial) {
            super(server, NAMESPACE);
            subscriptions = new SubscriptionModel(server, this);
            getLifecycleManager().addLifecycle(subscriptions);
            getLifecycleManager().addStartupTask(() -> initial.forEach(this::add));
        }

        private void add(String name, Object value) {
            NodeId type = value instanceof Double ? NodeIds.Double : value instanceof Integer ? NodeIds.Int32 : NodeIds.String;
            UaVariableNode node = UaVariableNode.builder(getNodeContext())
                    .setNodeId(newNodeId(name))
                    .setBrowseName(newQualifiedName(name))
                    .setDisplayName(LocalizedText.english(name))
                    .setDataType(type)
                    .setTypeDefinition(NodeIds.BaseDataVariableType)
                    .setAccessLevel(AccessLevel.READ_ONLY)
                    .setUserAccessLevel(AccessLevel.READ_ONLY)
                    .setValue(value(value))
                    .build();
            getNodeManager().addNode(node);
            node.addReference(new Reference(node.getNodeId(), NodeIds.Organizes, NodeIds.ObjectsFolder.expanded(), false));
            nodes.put(name, node);
        }

        void set(String name, Object value) {
            nodes.get(name).setValue(value(value));
        }

        Map<String, Object> values() {
            Map<String, Object> out = new java.util.HashMap<>();
            nodes.forEach((name, node) -> out.put(name, node.getValue().getValue().getValue()));
            return out;
        }

        private static DataValue value(Object v) {
            DateTime now = DateTime.now();
            return new DataValue(new Variant(v), StatusCode.GOOD, now, now);
        }

        @Override
        public void onDataItemsCreated(List<DataItem> items) {
            subscriptions.onDataItemsCreated(items);
        }

        @Override
        public void onDataItemsModified(List<DataItem> items) {
            subscriptions.onDataItemsModified(items);
        }

        @Override
        public void onDataItemsDeleted(List<DataItem> items) {
            subscriptions.onDataItemsDeleted(items);
        }

        @Override
        public void onMonitoringModeChanged(List<MonitoredItem> items) {
            subscriptions.onMonitoringModeChanged(items);
        }
    }
}
