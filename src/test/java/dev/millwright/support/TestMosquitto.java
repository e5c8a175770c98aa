package dev.millwright.support;

import org.junit.jupiter.api.Assumptions;

import java.io.IOException;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

import static org.awaitility.Awaitility.await;

/**
 * A real MQTT 5 broker on 127.0.0.1: Debian's mosquitto, with persistence in a folder of the test, so a
 * graceful restart keeps sessions and queued QoS 1 messages. Tests skip (visibly) only where mosquitto is
 * not installed; .ci/run installs it.
 */
public final class TestMosquitto implements AutoCloseable {
    private static final Path BINARY = Path.of("/usr/sbin/mosquitto");

    private final Path dir;
    private final int port;
    private Process process;

    public TestMosquitto(Path dir) throws IOException {
        this(dir, true);
    }

    /** @param anonymous false: a broker that refuses every connection (no password file), for refusal tests */
    public TestMosquitto(Path dir, boolean anonymous) throws IOException {
        this(dir, anonymous, "");
    }

    /** @param listenerOptions lines for the listener, e.g. cafile/certfile/keyfile for TLS */
    public TestMosquitto(Path dir, boolean anonymous, String listenerOptions) throws IOException {
        Assumptions.assumeTrue(Files.isExecutable(BINARY), "mosquitto is not installed (apt-get install mosquitto); .ci/run installs it");
        this.dir = dir;
        Files.createDirectories(dir);
        try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            this.port = s.getLocalPort();
        }
        Files.writeString(dir.resolve("mosquitto.conf"), """
                listener %d 127.0.0.1
                %s
                allow_anonymous %s
                persistence true
                persistence_location %s/
                max_queued_messages 100000
                user root
                """.formatted(port, listenerOptions, anonymous, dir));
        start();
    }

    public int port() {
        return port;
    }

    public void start() throws IOException {
        process = new ProcessBuilder(BINARY.toString(), "-c", dir.resolve("mosquitto.conf").toString())
                .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.appendTo(dir.resolve("mosquitto.log").toFile())).start();
        await().atMost(Duration.ofSeconds(10)).until(this::accepting);
    }

    /** Graceful stop (SIGTERM): the broker saves its sessions and queued messages. */
    public void stop() throws InterruptedException {
        process.destroy();
        process.waitFor();
    }

    private boolean accepting() {
        try (Socket s = new Socket("127.0.0.1", port)) {
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    @Override
    public void close() throws InterruptedException {
        if (process != null && process.isAlive()) stop();
    }
}
