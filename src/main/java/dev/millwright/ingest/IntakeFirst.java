package dev.millwright.ingest;

/**
 * Intake comes first: while intake is saturated and takes more than twice the floor rate, routing goes at the floor
 * rate ({@code ingest.routingFloor} events a second) and the lanes of the node together send at half of it, leaving
 * the machine to intake. Sending slower than routing keeps the backlog where operators (and load drivers) look for it:
 * in pending deliveries, per system, rather than all in the routing queue. Below twice the floor nothing slows down:
 * the floor would keep up with intake anyway, and pacing would only add latency.
 */
public final class IntakeFirst {
    /** Sends that may be taken at once after a pause (so a lane's claim is not one row at a time). */
    private static final int BURST = 50;

    private final int floor;
    private volatile IntakeLoad load = IntakeLoad.IDLE;
    private final java.util.function.LongSupplier nanoTime;
    private double sendTokens;
    private long refilledAt;

    /** @param floor events a second routing keeps to while intake is saturated; 0: nothing ever slows */
    public IntakeFirst(int floor) {
        this(floor, System::nanoTime);
    }

    IntakeFirst(int floor, java.util.function.LongSupplier nanoTime) {
        this.floor = floor;
        this.nanoTime = nanoTime;
        this.refilledAt = nanoTime.getAsLong();
    }

    /** The intake to yield to (the hub starts intake after the stages that yield to it). */
    public void watch(IntakeLoad intake) {
        this.load = intake;
    }

    public int floor() {
        return floor;
    }

    /** Whether routing and sending are to keep to the floor now. */
    public boolean yielding() {
        IntakeLoad l = load;
        return floor > 0 && l.saturated() && l.eventsPerSecond() > 2.0 * floor;
    }

    /** How many of {@code wanted} sends a lane may claim now: all of them unless yielding, else what the send rate allows. */
    public synchronized int sends(int wanted) {
        long now = nanoTime.getAsLong();
        double rate = floor / 2.0;
        sendTokens = Math.min(BURST, sendTokens + (now - refilledAt) / 1e9 * rate);
        refilledAt = now;
        if (!yielding()) return wanted;
        int granted = (int) Math.min(wanted, Math.floor(sendTokens));
        sendTokens -= granted;
        return granted;
    }

    /** Sends granted but not claimed (the lane had less due work). */
    public synchronized void unused(int sends) {
        if (yielding()) sendTokens = Math.min(BURST, sendTokens + sends);
    }
}
