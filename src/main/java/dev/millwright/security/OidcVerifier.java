package dev.millwright.security;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.jwk.source.JWKSource;
import com.nimbusds.jose.jwk.source.JWKSourceBuilder;
import com.nimbusds.jose.proc.BadJOSEException;
import com.nimbusds.jose.proc.JWSVerificationKeySelector;
import com.nimbusds.jose.proc.SecurityContext;
import com.nimbusds.jose.util.DefaultResourceRetriever;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.proc.DefaultJWTClaimsVerifier;
import com.nimbusds.jwt.proc.DefaultJWTProcessor;
import dev.millwright.config.HubSettings;

import java.net.MalformedURLException;
import java.text.ParseException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;

/**
 * Bearer JWTs from the enterprise identity provider: signature by a key from its JWKS (cached; fetched again when a
 * token names a key id not seen yet, so a rotated key works without a restart), issuer, audience, expiry; roles and
 * plants from configured claims.
 */
public final class OidcVerifier {
    /** A key id not in the cached set refetches the JWKS at most this often, so forged key ids cannot flood the provider. */
    private static final long MIN_REFETCH_MS = 1000;

    private final HubSettings.Oidc config;
    private final DefaultJWTProcessor<SecurityContext> processor = new DefaultJWTProcessor<>();

    public OidcVerifier(HubSettings.Oidc config) {
        this.config = config;
        JWKSource<SecurityContext> keys;
        try {
            keys = JWKSourceBuilder.<SecurityContext>create(config.jwksUrl().toURL(), new DefaultResourceRetriever(5000, 5000, 512 * 1024))
                    .cache(config.jwksCacheFor().toMillis(), 5000)
                    .rateLimited(MIN_REFETCH_MS)
                    .refreshAheadCache(false)
                    .retrying(false)
                    .build();
        } catch (MalformedURLException e) {
            throw new IllegalArgumentException("oidc.jwksUrl " + config.jwksUrl() + " is not a URL");
        }
        processor.setJWSKeySelector(new JWSVerificationKeySelector<>(Set.of(JWSAlgorithm.RS256, JWSAlgorithm.RS384, JWSAlgorithm.RS512,
                JWSAlgorithm.PS256, JWSAlgorithm.PS384, JWSAlgorithm.PS512, JWSAlgorithm.ES256, JWSAlgorithm.ES384, JWSAlgorithm.ES512), keys));
        DefaultJWTClaimsVerifier<SecurityContext> claims = new DefaultJWTClaimsVerifier<>(config.audience(),
                new JWTClaimsSet.Builder().issuer(config.issuer()).build(), Set.of("exp", "sub"));
        claims.setMaxClockSkew((int) config.clockSkew().toSeconds());
        processor.setJWTClaimsSetVerifier(claims);
    }

    /** A verified token: who it names and until when it is valid. */
    public record Verified(Principal principal, Instant expiresAt) {
    }

    /** The token checked; @throws Rejected with a reason fit to show the caller (never the token). */
    public Verified verify(String token) throws Rejected {
        JWTClaimsSet claims;
        try {
            claims = processor.process(token, null);
        } catch (ParseException e) {
            throw new Rejected("the bearer token is not a JWT");
        } catch (BadJOSEException e) {
            throw new Rejected("the JWT was rejected: " + e.getMessage());
        } catch (JOSEException e) {
            throw new Rejected("the JWT could not be checked: " + e.getMessage());
        }
        String name = text(claims, config.nameClaim());
        if (name == null) name = claims.getSubject();
        EnumSet<Role> roles = EnumSet.noneOf(Role.class);
        for (String r : strings(claims, config.rolesClaim())) {
            try {
                roles.add(Role.parse(r));
            } catch (IllegalArgumentException ignored) {
                // roles of other applications in the same claim are not ours
            }
        }
        if (roles.isEmpty()) throw new Rejected("the JWT grants no Millwright role in claim '" + config.rolesClaim() + "'");
        List<String> plants = strings(claims, config.plantsClaim());
        if (plants.isEmpty()) throw new Rejected("the JWT names no plants in claim '" + config.plantsClaim() + "'");
        PlantScope scope;
        try {
            scope = PlantScope.of(plants);
        } catch (IllegalArgumentException e) {
            throw new Rejected("claim '" + config.plantsClaim() + "': " + e.getMessage());
        }
        return new Verified(new Principal(name, Principal.Kind.OIDC, roles, scope, List.of()), claims.getExpirationTime().toInstant());
    }

    private static String text(JWTClaimsSet claims, String name) {
        Object v = claims.getClaim(name);
        return v instanceof String s && !s.isBlank() ? s : null;
    }

    /** A list claim, or a space-separated string (as scope-like claims often are). */
    private static List<String> strings(JWTClaimsSet claims, String name) {
        Object v = claims.getClaim(name);
        List<String> out = new ArrayList<>();
        if (v instanceof String s) {
            for (String part : s.trim().split("\\s+")) if (!part.isEmpty()) out.add(part);
        } else if (v instanceof List<?> list) {
            for (Object o : list) if (o instanceof String s && !s.isBlank()) out.add(s);
        }
        return out;
    }

    /** Why a token was refused. */
    public static final class Rejected extends Exception {
        public Rejected(String message) {
            super(message, null, false, false);
        }
    }
}
