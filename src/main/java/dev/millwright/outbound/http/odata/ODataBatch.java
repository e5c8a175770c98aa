package dev.millwright.outbound.http.odata;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * OData V2 $batch bodies (multipart/mixed): each part an HTTP message (application/http), or a changeset — a nested
 * multipart/mixed whose requests succeed or fail together. Written and read on both sides: the hub writes requests
 * and reads answers; the simulated ERP and the flow-test harness read requests and write answers.
 */
public final class ODataBatch {
    /** One request of a batch: method, path relative to the service root, headers (lower-case names), body. */
    public record Part(String method, String path, Map<String, String> headers, String body) {
    }

    /** A top-level entry: a single request, or a changeset of several. */
    public record Entry(Part request, List<Part> changeset) {
    }

    /** An answer to one request. */
    public record Answer(int status, String contentType, String body) {
    }

    private static final Pattern BOUNDARY = Pattern.compile("boundary=\"?([^\";]+)\"?");

    private ODataBatch() {
    }

    public static String boundary(String contentType) {
        Matcher m = contentType == null ? null : BOUNDARY.matcher(contentType);
        if (m == null || !m.find()) throw new IllegalArgumentException("Content-Type must be multipart/mixed with a boundary");
        return m.group(1);
    }

    /** The requests of a batch. */
    public static List<Entry> parse(String contentType, String body) {
        List<Entry> out = new ArrayList<>();
        for (Messages entry : messages(contentType, body)) {
            out.add(entry.changeset() ? new Entry(null, entry.http().stream().map(ODataBatch::request).toList())
                    : new Entry(request(entry.http().getFirst()), null));
        }
        return out;
    }

    /** The answers of a batch, per top-level entry: a changeset's answers in order, or its one error, or a single answer. */
    public static List<List<Answer>> answers(String contentType, String body) {
        List<List<Answer>> out = new ArrayList<>();
        for (Messages entry : messages(contentType, body)) out.add(entry.http().stream().map(ODataBatch::answer).toList());
        return out;
    }

    /** A request body with each list of parts in a changeset of its own. */
    public static String request(String boundary, List<List<Part>> changesets) {
        StringBuilder out = new StringBuilder();
        int n = 0;
        for (List<Part> changeset : changesets) {
            String cs = "changeset_" + (++n);
            out.append("--").append(boundary).append("\r\nContent-Type: multipart/mixed; boundary=").append(cs).append("\r\n\r\n");
            for (Part p : changeset) {
                out.append("--").append(cs).append("\r\nContent-Type: application/http\r\nContent-Transfer-Encoding: binary\r\n\r\n")
                        .append(p.method()).append(' ').append(p.path()).append(" HTTP/1.1\r\n");
                p.headers().forEach((k, v) -> out.append(k).append(": ").append(v).append("\r\n"));
                out.append("\r\n").append(p.body() == null ? "" : p.body()).append("\r\n");
            }
            out.append("--").append(cs).append("--\r\n");
        }
        return out.append("--").append(boundary).append("--\r\n").toString();
    }

    /** The batch answer: one part per entry, a changeset's answers in a nested multipart (or its one error alone). */
    public static String answer(String boundary, List<List<Answer>> answers, List<Boolean> isChangeset) {
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

    /** A top-level entry's HTTP messages: one for a single part, those of its changeset for a changeset. */
    private record Messages(boolean changeset, List<String> http) {
    }

    private static List<Messages> messages(String contentType, String body) {
        List<Messages> out = new ArrayList<>();
        for (String part : parts(body, boundary(contentType))) {
            int split = headerEnd(part);
            Map<String, String> headers = headers(part.substring(0, split));
            String content = part.substring(split).stripLeading();
            String type = headers.getOrDefault("content-type", "");
            if (type.startsWith("multipart/mixed")) {
                List<String> changeset = new ArrayList<>();
                for (String inner : parts(content, boundary(type))) changeset.add(inner.substring(headerEnd(inner)).stripLeading());
                out.add(new Messages(true, changeset));
            } else {
                out.add(new Messages(false, List.of(content)));
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
        String[] first = firstLine(http);
        if (first.length < 2) throw new IllegalArgumentException("a batch part has no request line: " + http.lines().findFirst().orElse(""));
        String rest = afterFirstLine(http);
        int split = headerEnd(rest);
        return new Part(first[0], first[1], headers(rest.substring(0, Math.min(split, rest.length()))),
                split >= rest.length() ? "" : rest.substring(split).strip());
    }

    /** "HTTP/1.1 201 Created", headers, a blank line, the body. */
    private static Answer answer(String http) {
        String[] first = firstLine(http);
        int status;
        try {
            status = first.length < 2 || !first[0].startsWith("HTTP/") ? -1 : Integer.parseInt(first[1]);
        } catch (NumberFormatException e) {
            status = -1;
        }
        if (status < 100) throw new IllegalArgumentException("a batch answer has no status line: " + http.lines().findFirst().orElse(""));
        String rest = afterFirstLine(http);
        int split = headerEnd(rest);
        Map<String, String> headers = headers(rest.substring(0, Math.min(split, rest.length())));
        return new Answer(status, headers.getOrDefault("content-type", "application/json"), split >= rest.length() ? "" : rest.substring(split).strip());
    }

    private static String[] firstLine(String http) {
        int lineEnd = http.indexOf('\n');
        return (lineEnd < 0 ? http : http.substring(0, lineEnd)).trim().split(" ");
    }

    private static String afterFirstLine(String http) {
        int lineEnd = http.indexOf('\n');
        return lineEnd < 0 ? "" : http.substring(lineEnd + 1);
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
            case 202 -> "Accepted";
            case 204 -> "No Content";
            case 400 -> "Bad Request";
            case 403 -> "Forbidden";
            case 404 -> "Not Found";
            default -> "Status";
        };
    }
}
