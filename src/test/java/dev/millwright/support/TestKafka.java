package dev.millwright.support;

import kafka.server.KafkaConfig;
import kafka.server.KafkaRaftServer;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.utils.Time;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Properties;

/**
 * A real single-node Kafka (KRaft, broker and controller in one) started in this JVM, listening only on
 * 127.0.0.1. Its storage is formatted first, as kafka-storage.sh would. These are Kafka's internal
 * classes: recheck on upgrade.
 */
public final class TestKafka implements AutoCloseable {
    private final Path dir;
    private final int port;
    private final int controllerPort;
    private final String clusterId = Uuid.randomUuid().toString();
    private KafkaRaftServer server;

    public TestKafka(Path dir) throws IOException {
        this.dir = dir;
        this.port = freePort();
        this.controllerPort = freePort();
        Path config = dir.resolve("server.properties");
        Files.createDirectories(dir);
        Properties props = properties();
        try (var out = Files.newOutputStream(config)) {
            props.store(out, "test broker");
        }
        ByteArrayOutputStream log = new ByteArrayOutputStream();
        int rc = kafka.tools.StorageTool.execute(new String[]{"format", "-t", clusterId, "-c", config.toString()}, new PrintStream(log));
        if (rc != 0) throw new IllegalStateException("formatting Kafka storage failed: " + log);
        start();
    }

    private Properties properties() {
        Properties p = new Properties();
        p.put("process.roles", "broker,controller");
        p.put("node.id", "1");
        p.put("listeners", "PLAINTEXT://127.0.0.1:" + port + ",CONTROLLER://127.0.0.1:" + controllerPort);
        p.put("advertised.listeners", "PLAINTEXT://127.0.0.1:" + port);
        p.put("controller.listener.names", "CONTROLLER");
        p.put("listener.security.protocol.map", "PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT");
        p.put("controller.quorum.voters", "1@127.0.0.1:" + controllerPort);
        p.put("log.dirs", dir.resolve("data").toString());
        p.put("offsets.topic.replication.factor", "1");
        p.put("offsets.topic.num.partitions", "3");
        p.put("transaction.state.log.replication.factor", "1");
        p.put("transaction.state.log.min.isr", "1");
        p.put("group.initial.rebalance.delay.ms", "0");
        p.put("num.partitions", "3");
        p.put("auto.create.topics.enable", "true");
        return p;
    }

    public void start() {
        server = new KafkaRaftServer(new KafkaConfig(properties()), Time.SYSTEM);
        server.startup();
    }

    /** Stops the broker (its data stays): clients see it go away until {@link #start()}. */
    public void stop() {
        server.shutdown();
        server.awaitShutdown();
        server = null;
    }

    public String bootstrap() {
        return "127.0.0.1:" + port;
    }

    public void createTopic(String name, int partitions) throws Exception {
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap()))) {
            admin.createTopics(List.of(new NewTopic(name, partitions, (short) 1))).all().get();
        }
    }

    /**
     * Produces records and makes sure the broker acknowledged every one (a send that failed — e.g. while a
     * new topic's leader was still being elected — is sent again), so a test knows exactly what is in the topic.
     */
    public void produceAll(java.util.List<org.apache.kafka.clients.producer.ProducerRecord<String, String>> records) throws Exception {
        try (var producer = new org.apache.kafka.clients.producer.KafkaProducer<String, String>(Map.of(
                org.apache.kafka.clients.producer.ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap(),
                org.apache.kafka.clients.producer.ProducerConfig.ACKS_CONFIG, "all",
                org.apache.kafka.clients.producer.ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, org.apache.kafka.common.serialization.StringSerializer.class.getName(),
                org.apache.kafka.clients.producer.ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, org.apache.kafka.common.serialization.StringSerializer.class.getName()))) {
            var pending = new java.util.ArrayList<>(records);
            for (int round = 0; !pending.isEmpty(); round++) {
                if (round == 5) throw new IllegalStateException(pending.size() + " records were never acknowledged");
                var sent = new java.util.ArrayList<java.util.concurrent.Future<?>>();
                for (var r : pending) sent.add(producer.send(r));
                producer.flush();
                var failed = new java.util.ArrayList<org.apache.kafka.clients.producer.ProducerRecord<String, String>>();
                for (int i = 0; i < sent.size(); i++) {
                    try {
                        sent.get(i).get();
                    } catch (java.util.concurrent.ExecutionException e) {
                        failed.add(pending.get(i));
                    }
                }
                pending = failed;
            }
        }
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }

    @Override
    public void close() {
        if (server != null) stop();
    }
}
