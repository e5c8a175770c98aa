package dev.millwright.simulate.erp;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * OData V2 $batch bodies: multipart/mixed parts, each an HTTP request (application/http), or a changeset (a nested
 * multipart/mixed) whose requests succeed or fail together. Reads requests and writes the answer in the same form.
 */
final class ODataBatch {
    /** One request of a batch: method, path relative to the service root, headers, body. */
    record Part(String method, String path, Map<String, String> headers, String body) {
    }

    /** A top-level entry: a single request, or a changeset of several. */
    record Entry(Part request, List<Part> changeset) {
    }

    /** An answer to one request. */
    record Answer(int status, String contentType, String body) {
    }

    private static final Pattern BOUNDARY = Pattern.compile("boundary=\"?([^\";]+)\"?");

    private ODataBatch() {
    }

    static String boundary(String contentType) {
        Matcher m = contentType == null ? null : BOUNDARY.matcher(contentType);
        if (m == null || !m.find()) throw new IllegalArgumentException("Content-Type must be multipart/mixed with a boundary");
        return m.group(1);
    }

    static List<Entry> parse(String contentType, String body) {
        List<Entry> out = new ArrayList<>();
        for (String part : parts(body, boundary(contentType))) {
            int split = headerEnd(part);
            Map<String, String> headers = headers(part.substring(0, split));
            String content = part.substring(split).stripLeading();
            String type = headers.getOrDefault("content-type", "");
            if (type.startsWith("multipart/mixed")) {
                List<Part> changeset = new ArrayList<>();
                for (String inner : parts(content, boundary(type))) {
                    int at = headerEnd(inner);
                    changeset.add(request(inner.substring(at).stripLeading()));
                }
                out.add(new Entry(null, changeset));
            } else {
                out.add(new Entry(request(content), null));
            }
        }
        return out;
    }

    private static List<String> parts(String body, String boundary) {
        List<String> out = new ArrayList<>();
        String delimiter = "--" + boundary;
        String[] pieces = body.replace("\r\n", "\n").split(Pattern.quote(delimiter));
        for (int i = 1; i < pieces.length; i++) {
            String piece = pieces[i];
            if (piece.startsWith("--")) break; // the closing delimiter
            out.add(piece.startsWith("\n") ? piece.substring(1) : piece);
        }
        return out;
    }

    private static int headerEnd(String part) {
        int end = part.indexOf("\n\n");
        return end < 0 ? part.length() : end + 2;
    }

    private static Map<String, String> headers(String block) {
        Map<String, String> headers = new LinkedHashMap<>();
        for (String line : block.split("\n")) {
            int colon = line.indexOf(':');
            if (colon > 0) headers.put(line.substring(0, colon).trim().toLowerCase(java.util.Locale.ROOT), line.substring(colon + 1).trim());
        }
        return headers;
    }

    /** "POST A_MaterialDocumentHeader HTTP/1.1", headers, a blank line, the body. */
    private static Part request(String http) {
        int lineEnd = http.indexOf('\n');
        String[] requestLine = (lineEnd < 0 ? http : http.substring(0, lineEnd)).trim().split(" ");
        if (requestLine.length < 2) throw new IllegalArgumentException("a batch part has no request line: " + http.lines().findFirst().orElse(""));
        String rest = lineEnd < 0 ? "" : http.substring(lineEnd + 1);
        int split = headerEnd(rest);
        return new Part(requestLine[0], requestLine[1], headers(rest.substring(0, Math.min(split, rest.length()))),
                split >= rest.length() ? "" : rest.substring(split).strip());
    }

    /** The batch answer: one part per entry, a changeset's answers in a nested multipart (or its one error alone). */
    static String answer(String boundary, List<List<Answer>> answers, List<Boolean> isChangeset) {
        StringBuilder out = new StringBuilder();
        int n = 0;
        for (int i = 0; i < answers.size(); i++) {
            out.append("--").append(boundary).append("\r\n");
            List<Answer> list = answers.get(i);
            if (isChangeset.get(i) && list.size() > 1 || isChangeset.get(i) && list.getFirst().status() < 300) {
                String cs = "changesetresponse_" + (++n);
                out.append("Content-Type: multipart/mixed; boundary=").append(cs).append("\r\n\r\n");
                for (Answer a : list) out.append("--").append(cs).append("\r\n").append(http(a));
                out.append("--").append(cs).append("--\r\n");
            } else {
                out.append(http(list.getFirst()));
            }
        }
        return out.append("--").append(boundary).append("--\r\n").toString();
    }

    private static String http(Answer a) {
        String body = a.body() == null ? "" : a.body();
        return "Content-Type: application/http\r\nContent-Transfer-Encoding: binary\r\n\r\nHTTP/1.1 " + a.status() + " " + reason(a.status())
                + "\r\nContent-Type: " + a.contentType() + "\r\nContent-Length: " + body.getBytes(StandardCharsets.UTF_8).length
                + "\r\n\r\n" + body + "\r\n";
    }

    private static String reason(int status) {
        return switch (status) {
            case 200 -> "OK";
            case 201 -> "Created";
            case 204 -> "No Content";
            case 400 -> "Bad Request";
            case 403 -> "Forbidden";
            case 404 -> "Not Found";
            default -> "Status";
        };
    }
}
