package dev.millwright.inbound;

import dev.millwright.health.Health;
import dev.millwright.metrics.HubMetrics;
import dev.millwright.store.LeaseStore;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Runs one inbound reader (a folder, an MQTT session, ...) on the one hub node that holds its lease,
 * so two nodes never read the same folder or share a broker session. A dead node's reader moves to
 * another node when its lease expires.
 */
public final class InboundConnector implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(InboundConnector.class);
    private static final Duration STORE_RETRY = Duration.ofSeconds(1);

    /**
     * An inbound connector kind's settings (one per kind, in its package), able to make the kind's reader: every kind
     * in Connectors reads its section into one of these.
     */
    public interface Channel extends dev.millwright.config.SystemConfig.InboundChannel {
        /**
         * @param inbox where the reader hands payloads; null when it is only made to check connectivity
         * @return null when the hub's API receives this channel itself (webhooks)
         */
        Reader reader(String system, Inbox inbox, Clock clock, HubMetrics metrics);
    }

    /** What reads one system's channel. It returns when the lease is lost or the hub stops. */
    public interface Reader {
        String system();

        String channel();

        void run(Lease lease) throws InterruptedException;

        /** Checks now that the peer can be reached with the configured credentials; says exactly what failed. */
        Health check() throws InterruptedException;

        /** False for readers that share out work themselves (a Kafka consumer group): they run on every node. */
        default boolean exclusive() {
            return true;
        }
    }

    /** The reader's view of its lease: whether it may go on, a pause the hub can cut short, and problem reports. */
    public interface Lease {
        /** Renews the lease when due; false once it is lost or the hub stops. */
        boolean held();

        void pause(Duration duration) throws InterruptedException;

        /** Reports a problem (unreachable broker, unreadable folder); shown by the status and logged once per change. */
        void problem(String problem);

        /** Says the reader is taking messages (connected and subscribed, or a folder read), clearing any problem. */
        void ok();

        /**
         * Hands a payload to the inbox until the database takes it, reporting the problem and pausing meanwhile.
         *
         * @param whileWaiting what happens to the peer's messages meanwhile, for the operator
         * @return the receipt, or null when the lease was lost first (the message then stays with the peer)
         */
        default Inbox.Receipt untilStored(Inbox.Take take, String whileWaiting) throws InterruptedException {
            while (true) {
                try {
                    return take.run();
                } catch (Inbox.NotStored e) {
                    problem(e.getMessage() + "; " + whileWaiting);
                    pause(STORE_RETRY);
                    if (!held()) return null;
                }
            }
        }
    }

    /** What an operator sees: whether this node reads, whether the reader is taking messages now, and the last problem. */
    public record Status(String system, String channel, boolean readingHere, boolean ready, String problem, Instant problemSince) {
    }

    private final Reader reader;
    private final LeaseStore leases;
    private final String node;
    private final Duration ttl;
    private final Clock clock;
    private final HubMetrics metrics;
    private final String leaseName;
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition stopping = lock.newCondition();
    private volatile boolean running = true;
    private volatile boolean holding;
    private volatile String problem;
    private volatile boolean ready;
    private volatile Instant problemSince;
    private Instant renewedAt = Instant.EPOCH;
    private Thread thread;

    public InboundConnector(Reader reader, LeaseStore leases, String node, Duration ttl, Clock clock, HubMetrics metrics) {
        this.reader = reader;
        this.leases = leases;
        this.node = node;
        this.ttl = ttl;
        this.clock = clock;
        this.metrics = metrics;
        this.leaseName = "inbound:" + reader.channel() + ":" + reader.system();
    }

    public InboundConnector start() {
        thread = Thread.ofVirtual().name(leaseName).start(this::loop);
        return this;
    }

    public Status status() {
        return new Status(reader.system(), reader.channel(), holding, holding && ready, problem, problemSince);
    }

    private void loop() {
        Lease lease = new Lease() {
            @Override
            public boolean held() {
                return running && renew();
            }

            @Override
            public void pause(Duration duration) throws InterruptedException {
                InboundConnector.this.pause(duration);
            }

            @Override
            public void problem(String p) {
                ready = false;
                if (!p.equals(problem)) {
                    log.warn("{} {}: {}", reader.system(), reader.channel(), p);
                    problemSince = clock.instant();
                    metrics.connectorError(reader.system(), reader.channel());
                }
                problem = p;
            }

            @Override
            public void ok() {
                if (problem != null) log.info("{} {}: working again", reader.system(), reader.channel());
                ready = true;
                problem = null;
                problemSince = null;
            }
        };
        while (running) {
            try {
                if (renew()) {
                    reader.run(lease);
                } else {
                    pause(ttl.dividedBy(3));
                }
            } catch (InterruptedException e) {
                break;
            } catch (RuntimeException e) {
                lease.problem("reader failed: " + e.getClass().getSimpleName() + (e.getMessage() == null ? "" : ": " + e.getMessage()));
                try {
                    pause(Duration.ofSeconds(1));
                } catch (InterruptedException ie) {
                    break;
                }
            }
        }
    }

    /** Takes or renews the lease when a third of its time has passed; any doubt counts as not held. */
    private boolean renew() {
        if (!reader.exclusive()) return holding = true;
        Instant now = clock.instant();
        if (holding && Duration.between(renewedAt, now).compareTo(ttl.dividedBy(3)) < 0) return true;
        try {
            holding = leases.acquire(List.of(leaseName), node, ttl).contains(leaseName);
            if (holding) renewedAt = now;
        } catch (RuntimeException e) {
            // Without the database we cannot prove the lease is ours once it may have expired.
            holding = holding && Duration.between(renewedAt, now).compareTo(ttl.dividedBy(2)) < 0;
        }
        return holding;
    }

    private void pause(Duration duration) throws InterruptedException {
        lock.lock();
        try {
            if (running) stopping.await(duration.toMillis(), TimeUnit.MILLISECONDS);
        } finally {
            lock.unlock();
        }
    }

    @Override
    public void close() {
        running = false;
        lock.lock();
        try {
            stopping.signalAll();
        } finally {
            lock.unlock();
        }
        if (thread != null) {
            try {
                thread.join(ttl.toMillis());
                if (thread.isAlive()) thread.interrupt();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        try {
            if (holding && reader.exclusive()) leases.release(List.of(leaseName), node);
        } catch (RuntimeException e) {
            log.debug("lease {} not released ({}); it expires by itself", leaseName, e.getMessage());
        }
    }
}
