package dev.millwright.config;

import dev.millwright.config.spec.Secret;
import dev.millwright.config.spec.Spec;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static dev.millwright.config.ConfigValues.get;
import static dev.millwright.config.spec.Spec.object;
import static dev.millwright.config.spec.Spec.oneOf;
import static dev.millwright.config.spec.Spec.optional;
import static dev.millwright.config.spec.Spec.secret;
import static dev.millwright.config.spec.Spec.string;

/**
 * TLS as a client beyond the JVM's defaults (outbound HTTP, MQTT, OPC UA): whom to trust (the system's CA or its
 * certificate) and the client certificate to present (mutual TLS). Verification of the server's certificate and name
 * is always on.
 */
public record Tls(Path trustStore, Secret trustStorePassword, Path keyStore, Secret keyStorePassword, String type) {

    /** The stores of a client: whom to trust, and the certificate to present. */
    public static final Spec.Obj CLIENT_SPEC = object(fields(null));

    /** The store fields, after {@code first} when a section needs a field of its own before them. */
    public static Spec.Field[] fields(Spec.Field first) {
        List<Spec.Field> fields = new ArrayList<>();
        if (first != null) fields.add(first);
        fields.addAll(List.of(
                optional("trustStore", string(), null, "Keystore of the certificates to trust (the system's CA, or its own certificate); "
                        + "without it the JVM's trusted CAs. The server's certificate and host name are always verified."),
                optional("trustStorePassword", secret(), null, "The trust store's password."),
                optional("keyStore", string(), null, "Keystore with the client certificate and key the hub presents (mutual TLS)."),
                optional("keyStorePassword", secret(), null, "The key store's password (required with keyStore)."),
                optional("type", oneOf("PKCS12", "JKS"), "PKCS12", "Format of both stores.")));
        return fields.toArray(Spec.Field[]::new);
    }

    /** @return null when the section names no store (the JVM's defaults) */
    public static Tls from(Map<String, Object> t) {
        if (t == null || get(t, "trustStore") == null && get(t, "keyStore") == null) return null;
        return stores(t);
    }

    /** The section's stores as given, either of them possibly absent. */
    public static Tls stores(Map<String, Object> t) {
        return new Tls(path(get(t, "trustStore")), get(t, "trustStorePassword"), path(get(t, "keyStore")), get(t, "keyStorePassword"),
                get(t, "type"));
    }

    private static Path path(String p) {
        return p == null ? null : Path.of(p).toAbsolutePath();
    }
}
