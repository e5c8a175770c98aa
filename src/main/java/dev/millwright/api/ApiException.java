package dev.millwright.api;

/** Ends a request with a problem response. */
final class ApiException extends RuntimeException {
    final Problem problem;

    ApiException(Problem problem) {
        super(problem.title(), null, false, false);
        this.problem = problem;
    }

    static ApiException badRequest(String detail) {
        return new ApiException(Problem.of(400, "Bad request", detail));
    }

    static ApiException notFound(String detail) {
        return new ApiException(Problem.of(404, "Not found", detail));
    }
}
