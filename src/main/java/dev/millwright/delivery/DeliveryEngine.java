package dev.millwright.delivery;

import dev.millwright.config.HubSettings;
import dev.millwright.ingest.IntakeFirst;
import dev.millwright.metrics.HubMetrics;
import dev.millwright.store.DeliveryStore;
import dev.millwright.store.DeliveryStore.LaneRef;
import dev.millwright.store.LeaseStore;
import dev.millwright.store.NodeLiveness;
import dev.millwright.tracing.Tracing;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.BinaryOperator;

/**
 * This node's share of delivery. The lanes of all targets are dealt out over the live nodes (those whose
 * liveness session is open; lane i to node i mod n), and a node takes a lane's lease when the lane is dealt
 * to it and the lease is free, expired, or its owner is gone. So adding a node spreads lanes, and a dead
 * node's lanes move to the others within a scheduling tick (about a second), not after its leases expire.
 * A node delivers only lanes whose lease it holds and has renewed, and only while its liveness session is
 * confirmed. Each worker claims under a fresh lease epoch, so claims and outcomes of an earlier worker
 * (on any node) are fenced off. {@code outboundForm} turns (event type, stored event) into what targets
 * receive (the latest version).
 */
public final class DeliveryEngine implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(DeliveryEngine.class);

    private final String node;
    private final HubSettings.Delivery settings;
    /** How recently the liveness session must have been confirmed for a lease to count (checked before every send). */
    private final Duration confirmWindow;
    private final Map<String, Target> targets;
    private final DeliveryStore deliveries;
    private final LeaseStore leases;
    private final NodeLiveness liveness;
    private final Settler settler;
    private final HubMetrics metrics;
    private final Clock clock;
    private final BinaryOperator<String> outboundForm;
    private final List<String> allLanes;
    private final Map<String, LaneWorker> workers = new ConcurrentHashMap<>();
    /** Per held lane: until when (System.nanoTime) the lease surely holds, counted from before the renewal was asked. */
    private final Map<String, Long> leaseExpiry = new ConcurrentHashMap<>();
    private final List<Map.Entry<String, LaneWorker>> stopping = new ArrayList<>();
    private final Thread scheduler;
    private volatile boolean closed;
    private final Tracing tracing;
    private final IntakeFirst intakeFirst;

    public DeliveryEngine(String node, HubSettings.Delivery settings, Map<String, Target> targets,
                          DeliveryStore deliveries, LeaseStore leases, NodeLiveness liveness, HubMetrics metrics, Tracing tracing,
                          Clock clock, BinaryOperator<String> outboundForm, IntakeFirst intakeFirst) {
        this.intakeFirst = intakeFirst;
        this.tracing = tracing;
        this.node = node;
        this.settings = settings;
        this.confirmWindow = tickInterval().multipliedBy(3);
        this.targets = Map.copyOf(targets);
        this.deliveries = deliveries;
        this.leases = leases;
        this.liveness = liveness;
        this.settler = new Settler(deliveries, node);
        this.metrics = metrics;
        this.clock = clock;
        this.outboundForm = outboundForm;
        List<String> lanes = new ArrayList<>();
        targets.keySet().stream().sorted().forEach(t -> {
            for (int i = 0; i < settings.lanes(); i++) lanes.add(leaseName(t, i));
        });
        this.allLanes = List.copyOf(lanes);
        this.scheduler = Thread.ofPlatform().name("lane-scheduler").daemon().start(this::schedule);
    }

    static String leaseName(String target, int lane) {
        return "lane:" + lane + ":" + target;
    }

    public void wake(Collection<LaneRef> lanes) {
        for (LaneRef l : lanes) {
            LaneWorker w = workers.get(leaseName(l.target(), l.lane()));
            if (w != null) w.wake();
        }
    }

    public void wakeAll() {
        workers.values().forEach(LaneWorker::wake);
    }

    /** Lanes this node delivers now. */
    public Set<String> ownedLanes() {
        return Set.copyOf(workers.keySet());
    }

    /** How often leases are renewed and lanes dealt: often enough that a dead node's lanes move within about a second. */
    private Duration tickInterval() {
        Duration third = settings.leaseTtl().dividedBy(3);
        return third.compareTo(Duration.ofSeconds(1)) < 0 ? third : Duration.ofSeconds(1);
    }

    private void schedule() {
        Duration tick = tickInterval();
        while (!closed) {
            try {
                tick();
            } catch (RuntimeException e) {
                log.warn("lane scheduling failed ({}); leases lapse if this persists", e.getMessage());
            }
            try {
                Thread.sleep(tick);
            } catch (InterruptedException e) {
                return;
            }
        }
    }

    private synchronized void tick() {
        if (closed) return;
        long started = System.nanoTime();
        if (!liveness.confirm()) {
            // Others may take our lanes any moment now: stop at once.
            leaseExpiry.clear();
            for (var e : workers.entrySet()) {
                e.getValue().stop();
                stopping.add(Map.entry(e.getKey(), e.getValue()));
            }
            workers.clear();
            metrics.ownedLanes(0);
            return;
        }
        leases.heartbeat(node);
        List<String> live = leases.liveNodes();
        if (!live.contains(node)) {
            live = new ArrayList<>(live);
            live.add(node);
            live.sort(null);
        }
        int me = live.indexOf(node);
        Set<String> mine = new HashSet<>();
        for (int i = 0; i < allLanes.size(); i++) {
            if (i % live.size() == me) mine.add(allLanes.get(i));
        }
        // Lanes dealt to others: stop their workers, then let go of the lease once they are done.
        for (var e : workers.entrySet()) {
            if (!mine.contains(e.getKey())) {
                e.getValue().stop();
                stopping.add(Map.entry(e.getKey(), e.getValue()));
            }
        }
        stopping.forEach(e -> workers.remove(e.getKey()));
        List<String> finished = new ArrayList<>();
        stopping.removeIf(e -> {
            if (e.getValue().isAlive()) return false;
            finished.add(e.getKey());
            return true;
        });
        if (!finished.isEmpty()) {
            finished.forEach(leaseExpiry::remove);
            leases.release(finished, node);
        }
        Set<String> stillStopping = new HashSet<>();
        stopping.forEach(e -> stillStopping.add(e.getKey()));
        mine.removeAll(stillStopping);

        Set<String> held = leases.acquire(mine, node, settings.leaseTtl());
        // The database set expiry = its now() + TTL after we asked; counting from before we asked, less a
        // margin for clock rate differences, is a safe lower bound on this node's clock.
        long expiry = started + settings.leaseTtl().toNanos() * 19 / 20;
        for (String name : held) {
            leaseExpiry.put(name, expiry);
            if (!workers.containsKey(name)) {
                OptionalLong epoch = leases.newEpoch(name, node);
                if (epoch.isPresent()) workers.put(name, startWorker(name, epoch.getAsLong()));
            }
        }
        for (String name : new ArrayList<>(workers.keySet())) {
            if (!held.contains(name)) {
                LaneWorker w = workers.remove(name);
                leaseExpiry.remove(name);
                w.stop();
                stopping.add(Map.entry(name, w)); // a new worker waits until this one's calls are over
            }
        }
        metrics.ownedLanes(workers.size());
    }

    private LaneWorker startWorker(String name, long epoch) {
        String[] parts = name.split(":", 3);
        int lane = Integer.parseInt(parts[1]);
        Target target = targets.get(parts[2]);
        return new LaneWorker(target, new DeliveryStore.LaneClaim(target.name(), lane, name, node, epoch), deliveries, settler,
                target.retry(), metrics, tracing, clock, settings.batchSize(), settings.pollInterval(), () -> leaseLeft(name), outboundForm, intakeFirst);
    }

    /** How long the lane's lease surely still holds on this node's clock; zero when lost or the liveness session is in doubt. */
    private Duration leaseLeft(String name) {
        Long expiry = leaseExpiry.get(name);
        if (expiry == null || closed || !liveness.confirmedWithin(confirmWindow)) return Duration.ZERO;
        return Duration.ofNanos(expiry - System.nanoTime());
    }

    /** Stops delivering: in-flight rounds get the drain timeout to finish, then leases are released. */
    @Override
    public void close() {
        synchronized (this) {
            closed = true;
        }
        scheduler.interrupt();
        List<LaneWorker> all = new ArrayList<>(workers.values());
        stopping.forEach(e -> all.add(e.getValue()));
        all.forEach(LaneWorker::stop);
        long deadline = System.nanoTime() + settings.drainTimeout().toNanos();
        for (LaneWorker w : all) {
            try {
                long left = deadline - System.nanoTime();
                if (left > 0) w.join(Duration.ofNanos(left));
                if (w.isAlive()) w.interrupt();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        settler.close();
        try {
            leases.releaseAll(node);
            leases.forgetNode(node);
        } catch (RuntimeException e) {
            log.warn("could not release leases on shutdown ({}); they move when this node's session closes", e.getMessage());
        }
        targets.values().forEach(Target::close);
    }
}
