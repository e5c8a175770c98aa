package dev.millwright.console;

/** Ends a console request with an error page. */
public final class ConsoleException extends RuntimeException {
    public final int status;
    public final String title;
    public final String detail;

    public ConsoleException(int status, String title, String detail) {
        super(title, null, false, false);
        this.status = status;
        this.title = title;
        this.detail = detail;
    }

    static ConsoleException notFound(String detail) {
        return new ConsoleException(404, "Not found", detail);
    }

    static ConsoleException badRequest(String detail) {
        return new ConsoleException(400, "Bad request", detail);
    }
}
