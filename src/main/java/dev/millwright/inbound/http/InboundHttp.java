package dev.millwright.inbound.http;

import dev.millwright.config.ConfigValues;
import dev.millwright.config.SystemConfig;
import dev.millwright.config.spec.Secret;
import dev.millwright.config.spec.Spec;
import dev.millwright.connector.Connector;
import dev.millwright.inbound.InboundConnector;
import dev.millwright.inbound.InboundFields;
import dev.millwright.inbound.Inbox;
import dev.millwright.metrics.HubMetrics;

import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static dev.millwright.config.ConfigValues.get;
import static dev.millwright.config.spec.Spec.duration;
import static dev.millwright.config.spec.Spec.object;
import static dev.millwright.config.spec.Spec.oneOf;
import static dev.millwright.config.spec.Spec.optional;
import static dev.millwright.config.spec.Spec.required;
import static dev.millwright.config.spec.Spec.string;

/** Payloads the system POSTs to the hub, mapped to events (inbound.http); secrets resolved. */
public record InboundHttp(String mapping, String source, String authType, Secret secret, String signs, String signatureHeader,
                          String prefix, String encoding, String timestampHeader, Duration replayWindow, Secret token)
        implements InboundConnector.Channel {

    public static final Spec.Obj SPEC = object(
            InboundFields.mapping("qms-inspection.jsonata"),
            InboundFields.source(),
            required("auth", object(
                    required("type", oneOf("hmac", "token"), "hmac: an HMAC-SHA256 signature computed over the bytes received "
                            + "(see signs); token: a per-system bearer token.", "hmac"),
                    optional("secret", Spec.secret(), null, "The HMAC key (type hmac)."),
                    optional("signs", oneOf("timestamp.body", "body"), "timestamp.body", "What the signature covers (type hmac): "
                            + "timestamp.body — the timestamp header's value, '.', then the raw body, checked against the replay window; "
                            + "body — the raw body alone, as many SaaS webhooks sign (e.g. X-Hub-Signature-256): no replay window, a "
                            + "re-sent webhook is a duplicate by its event id."),
                    optional("signatureHeader", string(), "X-Signature", "Header carrying the signature (type hmac)."),
                    optional("prefix", string(), "sha256=", "Text before the signature in its header (type hmac); none for no prefix."),
                    optional("encoding", oneOf("hex", "base64"), "hex", "How the signature is written (type hmac); hex in either case."),
                    optional("timestampHeader", string(), "X-Timestamp", "Header carrying the Unix time in seconds (signs: timestamp.body)."),
                    optional("replayWindow", duration(), "5m", "How far the timestamp may be from now (signs: timestamp.body)."),
                    optional("token", Spec.secret(), null, "The token, sent as Authorization: Bearer TOKEN (type token).")
            ), "How the system proves it is itself.", null)
    );

    public static final Connector CONNECTOR = Connector.in("http", SPEC, "http-inbound", "HTTP webhook in",
            "Payloads the system POSTs to /api/v1/inbound/NAME (JSON, XML or CSV, by Content-Type).", InboundHttp::from);

    static InboundHttp from(Map<String, Object> in) {
        var auth = ConfigValues.section(in, "auth");
        return new InboundHttp(get(in, "mapping"), get(in, "source"), get(auth, "type"), get(auth, "secret"), get(auth, "signs"),
                get(auth, "signatureHeader"), "none".equals(get(auth, "prefix")) ? "" : get(auth, "prefix"), get(auth, "encoding"),
                get(auth, "timestampHeader"), get(auth, "replayWindow"), get(auth, "token"));
    }

    public boolean signsTimestamp() {
        return signs.equals("timestamp.body");
    }

    @Override
    public String kind() {
        return "http";
    }

    @Override
    public List<SystemConfig.Problem> problems() {
        List<SystemConfig.Problem> out = new ArrayList<>();
        if (authType.equals("hmac") && secret == null) out.add(new SystemConfig.Problem("auth.secret", "is required when inbound.http.auth.type is hmac"));
        if (authType.equals("token") && token == null) out.add(new SystemConfig.Problem("auth.token", "is required when inbound.http.auth.type is token"));
        return out;
    }

    /** Webhooks are received by the hub's API (POST /api/v1/inbound/NAME): no reader. */
    @Override
    public InboundConnector.Reader reader(String system, Inbox inbox, Clock clock, HubMetrics metrics) {
        return null;
    }
}
