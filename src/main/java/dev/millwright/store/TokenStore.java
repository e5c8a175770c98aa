package dev.millwright.store;

import javax.sql.DataSource;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.sql.Array;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * API tokens: a token is 32 random bytes shown once at creation ({@code mwt_} + base64url); the table keeps its
 * SHA-256 only. Creation and revocation are audited in the same transaction.
 */
public final class TokenStore {
    private static final Sql SQL = Sql.load("/sql/tokens.sql");
    public static final String PREFIX = "mwt_";
    private static final SecureRandom RANDOM = new SecureRandom();

    private final DataSource ds;

    public TokenStore(DataSource ds) {
        this.ds = ds;
    }

    /** A token as stored (never its secret). */
    public record Token(long id, String name, List<String> roles, List<String> plants, List<String> sources, Instant expiresAt,
                        Instant createdAt, String createdBy, Instant lastUsedAt, Instant revokedAt, String revokedBy) {
        public Map<String, Object> view() {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("name", name);
            m.put("roles", roles);
            m.put("plants", plants);
            m.put("sources", sources);
            m.put("expiresAt", text(expiresAt));
            m.put("createdAt", text(createdAt));
            m.put("createdBy", createdBy);
            m.put("lastUsedAt", text(lastUsedAt));
            m.put("revokedAt", text(revokedAt));
            m.put("revokedBy", revokedBy);
            return m;
        }

        private static String text(Instant i) {
            return i == null ? null : i.toString();
        }
    }

    /** A new token and its secret, which exists only in this answer. */
    public record Created(Token token, String secret) {
    }

    public static byte[] hash(String secret) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(secret.getBytes(java.nio.charset.StandardCharsets.UTF_8));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Creates a token; empty when a live token already has this name. */
    public Optional<Created> create(String name, List<String> roles, List<String> plants, List<String> sources, Instant expiresAt,
                                    Actor by) {
        byte[] raw = new byte[32];
        RANDOM.nextBytes(raw);
        String secret = PREFIX + Base64.getUrlEncoder().withoutPadding().encodeToString(raw);
        return Jdbc.inTransaction(ds, c -> {
            try (PreparedStatement ps = c.prepareStatement(SQL.get("create"))) {
                ps.setString(1, name);
                ps.setBytes(2, hash(secret));
                ps.setArray(3, c.createArrayOf("text", roles.toArray()));
                ps.setArray(4, c.createArrayOf("text", plants.toArray()));
                ps.setArray(5, sources == null || sources.isEmpty() ? null : c.createArrayOf("text", sources.toArray()));
                ps.setTimestamp(6, expiresAt == null ? null : Timestamp.from(expiresAt));
                ps.setString(7, by.name());
                try (ResultSet rs = ps.executeQuery()) {
                    if (!rs.next()) return Optional.empty();
                    Token t = new Token(rs.getLong(1), name, roles, plants, sources == null ? List.of() : sources, expiresAt,
                            rs.getTimestamp(2).toInstant(), by.name(), null, null, null);
                    AuditStore.record(c, by, "token.create", AuditStore.change("token " + name, null, t.view()));
                    return Optional.of(new Created(t, secret));
                }
            }
        });
    }

    /** The live token with this secret, and marks it used (to the minute). */
    public Optional<Token> use(String secret) {
        return Jdbc.withConnection(ds, c -> {
            Optional<Token> found;
            try (PreparedStatement ps = c.prepareStatement(SQL.get("find"))) {
                ps.setBytes(1, hash(secret));
                found = read(ps).stream().findFirst();
            }
            if (found.isPresent()) {
                try (PreparedStatement ps = c.prepareStatement(SQL.get("touch"))) {
                    ps.setLong(1, found.get().id());
                    ps.executeUpdate();
                }
            }
            return found;
        });
    }

    public List<Token> list(boolean withRevoked) {
        return Jdbc.withConnection(ds, c -> {
            try (PreparedStatement ps = c.prepareStatement(SQL.get("list"))) {
                ps.setBoolean(1, withRevoked);
                return read(ps);
            }
        });
    }

    /** Revokes the live token of this name; empty when there is none. */
    public Optional<Token> revoke(String name, Actor by) {
        return Jdbc.inTransaction(ds, c -> {
            try (PreparedStatement ps = c.prepareStatement(SQL.get("revoke"))) {
                ps.setString(1, by.name());
                ps.setString(2, name);
                Optional<Token> t = read(ps).stream().findFirst();
                if (t.isPresent()) {
                    AuditStore.record(c, by, "token.revoke", AuditStore.change("token " + name, null, Map.of("revokedAt", t.get().revokedAt().toString())));
                }
                return t;
            }
        });
    }

    private static List<Token> read(PreparedStatement ps) throws SQLException {
        List<Token> out = new ArrayList<>();
        try (ResultSet rs = ps.executeQuery()) {
            while (rs.next()) {
                out.add(new Token(rs.getLong(1), rs.getString(2), strings(rs.getArray(3)), strings(rs.getArray(4)), strings(rs.getArray(5)),
                        instant(rs.getTimestamp(6)), instant(rs.getTimestamp(7)), rs.getString(8), instant(rs.getTimestamp(9)),
                        instant(rs.getTimestamp(10)), rs.getString(11)));
            }
        }
        return out;
    }

    private static List<String> strings(Array a) throws SQLException {
        return a == null ? List.of() : List.of((String[]) a.getArray());
    }

    private static Instant instant(Timestamp t) {
        return t == null ? null : t.toInstant();
    }

}
