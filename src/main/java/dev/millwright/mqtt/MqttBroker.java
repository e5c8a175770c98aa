package dev.millwright.mqtt;

import dev.millwright.config.Tls;
import dev.millwright.config.spec.Secret;
import dev.millwright.config.spec.Spec;

import java.time.Duration;
import java.util.Map;

import static dev.millwright.config.ConfigValues.get;
import static dev.millwright.config.ConfigValues.section;
import static dev.millwright.config.spec.Spec.bool;
import static dev.millwright.config.spec.Spec.duration;
import static dev.millwright.config.spec.Spec.integer;
import static dev.millwright.config.spec.Spec.object;
import static dev.millwright.config.spec.Spec.optional;
import static dev.millwright.config.spec.Spec.secret;
import static dev.millwright.config.spec.Spec.string;

/**
 * An MQTT broker connection, as MQTT in and MQTT out both configure it (broker:). MQTT 5 only: the hub relies on
 * session expiry.
 *
 * @param tls null: plain TCP
 */
public record MqttBroker(String host, int port, String clientId, String username, Secret password, Duration reconnectMax, Tls tls) {

    /** MQTT speaks TLS only when told to: the same stores, and the switch. */
    private static final Spec.Obj TLS_SPEC = object(Tls.fields(optional("enabled", bool(), false,
            "Connect over TLS (usually port 8883), with the JVM's trusted CAs unless a trust store is given.")));

    public static final Spec.Obj SPEC = object(
            optional("host", string(), "127.0.0.1", "Broker host."),
            optional("port", integer(1, 65535), 1883, "Broker port."),
            optional("clientId", string(), null, "Client identifier (default millwright-NAME-in or millwright-NAME-out); one hub node "
                    + "at a time uses it."),
            optional("username", string(), null, "User name, when the broker asks for one."),
            optional("password", secret(), null, "Password."),
            optional("tls", TLS_SPEC, null, "TLS to the broker: tls: { enabled: true } with the JVM's CAs, or with a trust store "
                    + "and a client certificate."),
            optional("reconnectMax", duration(), "30s", "Longest wait between reconnection attempts (they start at 1 s and double).")
    );

    public static MqttBroker from(Map<String, Object> b) {
        return new MqttBroker(get(b, "host"), get(b, "port"), get(b, "clientId"), get(b, "username"),
                get(b, "password"), get(b, "reconnectMax"), tls(section(b, "tls")));
    }

    /** @return null: plain TCP */
    private static Tls tls(Map<String, Object> t) {
        if (t == null || !Boolean.TRUE.equals(get(t, "enabled"))) return null;
        Tls stores = Tls.from(t);
        return stores != null ? stores : new Tls(null, null, null, null, get(t, "type"));
    }
}
