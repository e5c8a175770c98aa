package dev.millwright.ingest;

import java.util.List;

/** Input the hub refuses as a whole; it names every problem found and nothing of it is stored. */
public final class RejectedInput extends RuntimeException {
    private final int status;
    private final String title;
    private final List<Violation> violations;

    public RejectedInput(int status, String title, List<Violation> violations) {
        super(title, null, false, false);
        this.status = status;
        this.title = title;
        this.violations = List.copyOf(violations);
    }

    public RejectedInput(int status, String title, String detail) {
        this(status, title, List.of(new Violation("", detail)));
    }

    public int status() {
        return status;
    }

    public String title() {
        return title;
    }

    public List<Violation> violations() {
        return violations;
    }
}
