package dev.millwright.delivery;

import dev.millwright.config.RetryPolicy;
import dev.millwright.health.Health;
import dev.millwright.security.Redactor;
import dev.millwright.store.LaneItem;

import java.time.Duration;

/** A target whose outcomes and health checks carry no secret, whatever the system answered. */
public final class RedactingTarget implements Target {
    private final Target target;
    private final Redactor redactor;

    public RedactingTarget(Target target, Redactor redactor) {
        this.target = target;
        this.redactor = redactor;
    }

    @Override
    public String name() {
        return target.name();
    }

    @Override
    public String circuit() {
        return target.circuit();
    }

    @Override
    public Duration callTimeout() {
        return target.callTimeout();
    }

    @Override
    public RetryPolicy retry() {
        return target.retry();
    }

    @Override
    public Outcome send(LaneItem item, String body, Fence fence) throws InterruptedException {
        Outcome o = target.send(item, body, fence);
        return new Outcome(o.kind(), o.status(), redactor.redact(o.error()), o.retryAfter(), redactor.redact(o.response()));
    }

    @Override
    public Health check() throws InterruptedException {
        Health h = target.check();
        return new Health(h.system(), h.ok(), h.where(), h.status(), h.millis(), h.auth(), redactor.redact(h.problem()));
    }

    @Override
    public void close() {
        target.close();
    }
}
