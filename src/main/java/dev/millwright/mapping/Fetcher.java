package dev.millwright.mapping;

import com.fasterxml.jackson.databind.JsonNode;

/** Fetches context from a system for a mapping ($fetch): one of the system's GET operations, cached as the operation says. */
public interface Fetcher {
    /**
     * @return the parsed answer, or JSON null when the system says there is no such record (404)
     * @throws Unavailable when the system cannot answer now (refused, timeout, 5xx)
     * @throws Mapping.MappingException when the call can never succeed (no such GET operation, another 4xx)
     */
    JsonNode fetch(String operation, String key) throws InterruptedException;

    /** The system cannot answer now; {@code proceed} says the operation allows going on without the context. */
    final class Unavailable extends RuntimeException {
        private final boolean proceed;

        public Unavailable(String message, boolean proceed) {
            super(message, null, false, false);
            this.proceed = proceed;
        }

        public boolean proceed() {
            return proceed;
        }
    }
}
