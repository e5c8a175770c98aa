package dev.millwright.api;

import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.server.handler.ErrorHandler;
import org.eclipse.jetty.util.Callback;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Errors Jetty answers itself, before a request reaches a route (a malformed URI, oversized headers): as
 * application/problem+json like every other error, never an HTML page or a stack trace, and with the connection closed.
 */
final class ProblemErrorHandler extends ErrorHandler {
    @Override
    public boolean handle(Request request, Response response, Callback callback) {
        int status = response.getStatus() < 400 ? 500 : response.getStatus();
        Object message = request.getAttribute(ERROR_MESSAGE);
        Map<String, Object> problem = new LinkedHashMap<>();
        problem.put("type", "about:blank");
        problem.put("title", org.eclipse.jetty.http.HttpStatus.getMessage(status));
        problem.put("status", status);
        problem.put("detail", status >= 500 ? "the hub could not handle this request" : message == null ? "the request is malformed" : message.toString());
        byte[] body;
        try {
            body = dev.millwright.event.Json.MAPPER.writeValueAsBytes(problem);
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            body = ("{\"status\":" + status + "}").getBytes(StandardCharsets.UTF_8);
        }
        response.getHeaders().put(HttpHeader.CONTENT_TYPE, Problem.CONTENT_TYPE);
        // Jetty drops the connection after a request it refused itself; saying so keeps a client from reusing it for the
        // next request, which would then fail with no answer at all.
        response.getHeaders().put(HttpHeader.CONNECTION, "close");
        response.write(true, ByteBuffer.wrap(body), callback);
        return true;
    }
}
