package dev.millwright.harness;

import java.util.List;

/** One test case's result: failures list the differences (or what went wrong), one per line. */
public record CaseResult(String file, String name, List<String> failures) {
    public boolean passed() {
        return failures.isEmpty();
    }
}
