package dev.millwright.ingest;

import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

import static org.assertj.core.api.Assertions.assertThat;

/** What routing and the lanes may do while intake comes first, on a hand-moved clock. */
class IntakeFirstTest {
    private final AtomicLong now = new AtomicLong(5_000_000_000L);
    private final AtomicBoolean saturated = new AtomicBoolean();
    private double eventsPerSecond = 30_000;

    private IntakeFirst intakeFirst(int floor) {
        IntakeFirst f = new IntakeFirst(floor, now::get);
        f.watch(new IntakeLoad() {
            @Override
            public boolean saturated() {
                return saturated.get();
            }

            @Override
            public double eventsPerSecond() {
                return eventsPerSecond;
            }
        });
        return f;
    }

    private void advance(Duration d) {
        now.addAndGet(d.toNanos());
    }

    @Test
    void nothingSlowsWhileIntakeHasRoom() {
        IntakeFirst f = intakeFirst(1000);
        assertThat(f.yielding()).isFalse();
        assertThat(f.sends(200)).isEqualTo(200);
    }

    @Test
    void whileIntakeIsSaturatedTheLanesTogetherSendHalfTheFloor() {
        IntakeFirst f = intakeFirst(1000);
        saturated.set(true);
        assertThat(f.yielding()).isTrue();
        assertThat(f.sends(200)).as("no sends saved up yet").isZero();
        int sent = 0;
        for (int tick = 0; tick < 400; tick++) { // 10 s in steps of 25 ms, two lanes asking each step
            advance(Duration.ofMillis(25));
            sent += f.sends(200);
            sent += f.sends(200);
        }
        assertThat(sent).isBetween(4_990, 5_000);
    }

    @Test
    void sendsGrantedButNotClaimedAreKeptAndAPauseSavesUpOnlyABurst() {
        IntakeFirst f = intakeFirst(1000);
        saturated.set(true);
        advance(Duration.ofMillis(40)); // 20 sends
        assertThat(f.sends(200)).isEqualTo(20);
        f.unused(15); // the lane had 5 due
        assertThat(f.sends(200)).isEqualTo(15);
        advance(Duration.ofMinutes(1));
        assertThat(f.sends(200)).as("a long pause saves up one burst, not a minute's worth").isEqualTo(50);
    }

    @Test
    void intakeBelowTwiceTheFloorIsNotWorthSlowingFor() {
        IntakeFirst f = intakeFirst(1000);
        saturated.set(true);
        eventsPerSecond = 1_900;
        assertThat(f.yielding()).isFalse();
        assertThat(f.sends(64)).isEqualTo(64);
    }

    @Test
    void aFloorOfZeroNeverSlows() {
        IntakeFirst f = intakeFirst(0);
        saturated.set(true);
        assertThat(f.yielding()).isFalse();
        assertThat(f.sends(64)).isEqualTo(64);
    }
}
