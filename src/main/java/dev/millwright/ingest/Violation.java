package dev.millwright.ingest;

import com.fasterxml.jackson.annotation.JsonInclude;

/**
 * One thing wrong with a request: where (a JSON pointer or a header name), what, and — for contract
 * violations — the JSON Schema keyword that failed.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record Violation(String pointer, String detail, String keyword) {
    public Violation(String pointer, String detail) {
        this(pointer, detail, null);
    }
}
