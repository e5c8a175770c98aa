package dev.millwright.security;

import dev.millwright.outbound.http.HttpOutbound;
import dev.millwright.config.SystemConfig;
import dev.millwright.config.spec.Secret;

import java.lang.reflect.RecordComponent;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Collection;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

/**
 * Masks a plant's secrets in text that came from outside: a system that refuses a credential and repeats it in its
 * answer must not put it in a delivery's last error, a flow's variables or a health check. Each secret is masked as
 * written, URL-encoded, Base64-encoded, and — for basic and OAuth2 client credentials — as the Basic header value.
 * Secrets are read at each use, so a rotated file is masked too.
 */
public final class Redactor {
    public static final String MASK = "****";
    /** Shorter values would mask ordinary words; no real credential is this short. */
    private static final int MIN_LENGTH = 6;
    public static final Redactor NONE = new Redactor(List.of());

    private final List<Supplier<String>> secrets;

    private Redactor(List<Supplier<String>> secrets) {
        this.secrets = secrets;
    }

    /** Every secret in the systems' configuration, found by walking their records. */
    public static Redactor of(Collection<SystemConfig> systems) {
        List<Supplier<String>> out = new ArrayList<>();
        Map<Object, Boolean> seen = new IdentityHashMap<>();
        for (SystemConfig s : systems) collect(s, out, seen);
        for (SystemConfig s : systems) {
            if (s.outbound(HttpOutbound.class) == null || s.outbound(HttpOutbound.class).auth() == null) continue;
            var auth = s.outbound(HttpOutbound.class).auth();
            if (auth.basic() != null) out.add(basic(auth.basic().username(), auth.basic().password()));
            if (auth.oauth2() != null) {
                String id = auth.oauth2().clientId();
                Secret secret = auth.oauth2().clientSecret();
                out.add(basic(id, secret));
                // RFC 6749 §2.3.1: both form-encoded before the Basic encoding
                out.add(() -> Base64.getEncoder().encodeToString((URLEncoder.encode(id, StandardCharsets.UTF_8) + ":"
                        + URLEncoder.encode(secret.value(), StandardCharsets.UTF_8)).getBytes(StandardCharsets.UTF_8)));
            }
        }
        return new Redactor(List.copyOf(out));
    }

    private static Supplier<String> basic(String user, Secret password) {
        return () -> Base64.getEncoder().encodeToString((user + ":" + password.value()).getBytes(StandardCharsets.UTF_8));
    }

    private static void collect(Object o, List<Supplier<String>> out, Map<Object, Boolean> seen) {
        if (o == null || seen.put(o, Boolean.TRUE) != null) return;
        if (o instanceof Secret s) {
            out.add(s::value);
        } else if (o instanceof Map<?, ?> m) {
            for (Object v : m.values()) collect(v, out, seen);
        } else if (o instanceof Collection<?> c) {
            for (Object v : c) collect(v, out, seen);
        } else if (o.getClass().isRecord()) {
            for (RecordComponent rc : o.getClass().getRecordComponents()) {
                try {
                    collect(rc.getAccessor().invoke(o), out, seen);
                } catch (ReflectiveOperationException e) {
                    throw new IllegalStateException("cannot read " + rc, e);
                }
            }
        }
    }

    public String redact(String text) {
        if (text == null || text.isEmpty()) return text;
        String out = text;
        for (Supplier<String> s : secrets) {
            String v = s.get();
            if (v == null || v.length() < MIN_LENGTH) continue;
            out = mask(out, v);
            out = mask(out, URLEncoder.encode(v, StandardCharsets.UTF_8));
            out = mask(out, Base64.getEncoder().encodeToString(v.getBytes(StandardCharsets.UTF_8)));
        }
        return out;
    }

    private static String mask(String text, String value) {
        return text.contains(value) ? text.replace(value, MASK) : text;
    }
}
