package dev.millwright.api;

import com.fasterxml.jackson.databind.JsonNode;
import dev.millwright.ingest.Violation;
import dev.millwright.security.Authenticator;
import dev.millwright.security.PlantScope;
import dev.millwright.security.Role;
import dev.millwright.store.TokenStore;
import io.javalin.http.Context;

import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** API tokens: create (the secret is in that answer only), list, revoke. Admins of every plant only. */
final class TokensApi {
    private final TokenStore tokens;
    private final Authenticator authenticator;

    TokensApi(TokenStore tokens, Authenticator authenticator) {
        this.tokens = tokens;
        this.authenticator = authenticator;
    }

    void list(Context ctx) {
        boolean revoked = "true".equals(ctx.queryParam("revoked"));
        JsonBody.send(ctx, 200, Map.of("items", tokens.list(revoked).stream().map(TokenStore.Token::view).toList()));
    }

    void create(Context ctx) {
        JsonNode body = JsonBody.read(ctx, Set.of("name", "roles", "plants", "sources", "expiresAt"));
        Request r = Request.parse(body);
        if (!r.errors().isEmpty()) throw new ApiException(new Problem(400, "Invalid token request", null, r.errors()));
        TokenStore.Created created = tokens.create(r.name(), r.roles(), r.plants(), r.sources(), r.expiresAt(), Caller.actor(ctx))
                .orElseThrow(() -> new ApiException(Problem.of(409, "Name taken", "a live token is already named '" + r.name() + "'; revoke it first")));
        Map<String, Object> out = new LinkedHashMap<>(created.token().view());
        out.put("token", created.secret());
        ctx.header("Cache-Control", "no-store");
        JsonBody.send(ctx, 201, out);
    }

    void revoke(Context ctx) {
        String name = ctx.pathParam("name");
        TokenStore.Token t = tokens.revoke(name, Caller.actor(ctx)).orElseThrow(() -> ApiException.notFound("no live token named '" + name + "'"));
        authenticator.forget();
        JsonBody.send(ctx, 200, t.view());
    }

    /** A token request checked field by field; the CLI uses the same rules. */
    record Request(String name, List<String> roles, List<String> plants, List<String> sources, Instant expiresAt, List<Violation> errors) {
        static Request parse(JsonNode body) {
            List<Violation> errors = new ArrayList<>();
            JsonNode n = body.get("name");
            String name = n != null && n.isTextual() ? n.asText() : null;
            if (name == null || !name.matches("[A-Za-z0-9][A-Za-z0-9._@-]{0,99}")) {
                errors.add(new Violation("/name", "is required: letters, digits, '.', '_', '@', '-' (at most 100)"));
            }
            List<String> roles = strings(body, "roles", errors, true);
            for (int i = 0; i < roles.size(); i++) {
                try {
                    Role.parse(roles.get(i));
                } catch (IllegalArgumentException e) {
                    errors.add(new Violation("/roles/" + i, e.getMessage()));
                }
            }
            List<String> plants = strings(body, "plants", errors, true);
            for (int i = 0; i < plants.size(); i++) {
                String why = PlantScope.problem(plants.get(i));
                if (why != null) errors.add(new Violation("/plants/" + i, why));
            }
            List<String> sources = strings(body, "sources", errors, false);
            Instant expiresAt = null;
            JsonNode e = body.get("expiresAt");
            if (e != null && !e.isNull()) {
                try {
                    expiresAt = OffsetDateTime.parse(e.asText()).toInstant();
                } catch (java.time.format.DateTimeParseException ex) {
                    errors.add(new Violation("/expiresAt", "'" + e.asText() + "' is not an RFC 3339 timestamp"));
                }
            }
            return new Request(name, roles.stream().map(r -> r.strip().toLowerCase(java.util.Locale.ROOT)).toList(), plants, sources, expiresAt, errors);
        }

        private static List<String> strings(JsonNode body, String field, List<Violation> errors, boolean required) {
            JsonNode v = body.get(field);
            List<String> out = new ArrayList<>();
            if (v == null || v.isNull()) {
                if (required) errors.add(new Violation("/" + field, "is required: a list of strings"));
                return out;
            }
            if (!v.isArray() || (required && v.isEmpty())) {
                errors.add(new Violation("/" + field, "must be a non-empty list of strings"));
                return out;
            }
            for (int i = 0; i < v.size(); i++) {
                if (!v.get(i).isTextual() || v.get(i).asText().isBlank()) errors.add(new Violation("/" + field + "/" + i, "must be a non-empty string"));
                else out.add(v.get(i).asText());
            }
            return out;
        }
    }
}
