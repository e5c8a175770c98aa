package dev.millwright.ingest;

/** One thing wrong with a request: where (a JSON pointer or a header name) and what. */
public record Violation(String pointer, String detail) {
}
