package dev.millwright.api;

import io.javalin.http.Context;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.List;

/**
 * Bearer-token access to /api/**. Today every valid token is an admin; the actor name is recorded
 * with every operator action so RBAC can replace this without changing callers.
 */
public final class Auth {
    public static final String ACTOR = "actor";
    private final List<byte[]> adminTokens;

    public Auth(List<String> adminTokens) {
        this.adminTokens = adminTokens.stream().map(t -> t.getBytes(StandardCharsets.UTF_8)).toList();
    }

    /** Sets the actor on the context, or answers 401 and returns false. */
    boolean authenticate(Context ctx) {
        String header = ctx.header("Authorization");
        if (header == null || !header.regionMatches(true, 0, "Bearer ", 0, 7)) {
            ctx.header("WWW-Authenticate", "Bearer");
            Problem.of(401, "Unauthorized", "send Authorization: Bearer <token>").send(ctx);
            return false;
        }
        byte[] given = header.substring(7).trim().getBytes(StandardCharsets.UTF_8);
        for (byte[] token : adminTokens) {
            if (MessageDigest.isEqual(token, given)) {
                ctx.attribute(ACTOR, "admin");
                return true;
            }
        }
        ctx.header("WWW-Authenticate", "Bearer error=\"invalid_token\"");
        Problem.of(401, "Unauthorized", "the bearer token is not valid").send(ctx);
        return false;
    }
}
