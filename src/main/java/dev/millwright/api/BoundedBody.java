package dev.millwright.api;

import io.javalin.http.Context;

import java.io.IOException;
import java.io.InputStream;
import java.util.function.LongFunction;

/**
 * Reads a request body of at most a given size. A larger one is read to its end (within a bound) before it is refused:
 * answering mid-upload leaves the rest unread, the server closes the connection, and a client that reuses it for its
 * next request sees that one fail instead.
 */
final class BoundedBody {
    /** Bodies up to this size are read to the end before the refusal, so the client is sure to see the answer. */
    private static final long DRAIN_LIMIT = 32L * 1024 * 1024;

    private BoundedBody() {
    }

    /**
     * @param tooLarge the refusal, given the declared size (-1 when the body only turned out larger while read)
     */
    static byte[] read(Context ctx, int max, LongFunction<RuntimeException> tooLarge) {
        long declared = ctx.req().getContentLengthLong();
        try (InputStream in = ctx.bodyInputStream()) {
            if (declared > max) {
                drain(in, declared);
                throw tooLarge.apply(declared);
            }
            byte[] body = in.readNBytes(max + 1);
            if (body.length > max) {
                drain(in, DRAIN_LIMIT);
                throw tooLarge.apply(-1);
            }
            return body;
        } catch (IOException e) {
            throw ApiException.badRequest("the request body could not be read");
        }
    }

    private static void drain(InputStream in, long declared) throws IOException {
        if (declared > DRAIN_LIMIT) return;
        byte[] sink = new byte[64 * 1024];
        long left = DRAIN_LIMIT;
        int n;
        while (left > 0 && (n = in.read(sink, 0, (int) Math.min(sink.length, left))) > 0) left -= n;
    }
}
