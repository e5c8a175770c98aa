package dev.millwright.tracing;

import dev.millwright.event.CloudEvent;

import java.time.Instant;
import java.util.List;

/**
 * Spans for the hub's hops: one per event taken in, one per delivery attempt, each a child of the trace context the
 * event arrived with. {@link #OFF} records nothing and passes trace context on unchanged.
 */
public interface Tracing extends AutoCloseable {

    /** Spans for events about to be appended, one each, started when their request arrived. */
    Intake intake(List<CloudEvent> events, Instant received);

    /** A span for one delivery attempt of an event to a system. */
    Attempt attempt(Delivery delivery);

    @Override
    void close();

    /** What a delivery span records about the delivery it stands for. */
    record Delivery(String system, String operation, String subscription, long id, int attempt, String traceparent) {
    }

    interface Intake {
        /** The trace context to store with each event, in the order given: the event's own span, or null (none). */
        List<String> traceparents();

        /** Ends the spans; an event the log already held is marked a duplicate. */
        void end(java.util.function.Predicate<CloudEvent> stored);

        /** Ends the spans of events that could not be stored, with the reason. */
        void failed(String reason);
    }

    interface Attempt {
        /** The traceparent to send with the delivery: this span's, or the stored one when nothing is recorded. */
        String traceparent();

        /**
         * Ends the span.
         * @param result delivered, failed, dead, held or unsent
         * @param status the system's answer status, or null
         * @param error why it was not delivered, or null
         */
        void end(String result, Integer status, String error);
    }

    Tracing OFF = new Tracing() {
        @Override
        public Intake intake(List<CloudEvent> events, Instant received) {
            return new Intake() {
                @Override
                public List<String> traceparents() {
                    return null;
                }

                @Override
                public void end(java.util.function.Predicate<CloudEvent> stored) {
                }

                @Override
                public void failed(String reason) {
                }
            };
        }

        @Override
        public Attempt attempt(Delivery delivery) {
            return new Attempt() {
                @Override
                public String traceparent() {
                    return delivery.traceparent();
                }

                @Override
                public void end(String result, Integer status, String error) {
                }
            };
        }

        @Override
        public void close() {
        }
    };
}
