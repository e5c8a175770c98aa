package dev.millwright.ingest;

/** How busy intake is. */
public interface IntakeLoad {
    /** Intake with no load at all. */
    IntakeLoad IDLE = new IntakeLoad() {
        @Override
        public boolean saturated() {
            return false;
        }

        @Override
        public double eventsPerSecond() {
            return 0;
        }
    };

    /** Whether intake is using all it can get. */
    boolean saturated();

    /** Events intake takes per second just now. */
    double eventsPerSecond();
}
