package dev.millwright.config;

import java.time.Duration;
import java.util.Map;

import static dev.millwright.config.ConfigValues.get;
import static dev.millwright.config.ConfigValues.section;

/** Hub settings from millwright.yaml. */
public record HubSettings(String plant, Http http, Ingest ingest, Delivery delivery, Contracts contracts, Retention retention, Flows flows,
                          Tracing tracing, Security security) {

    /** @param oidc null: no identity provider, API tokens only */
    public record Security(Oidc oidc, int requestsPerSecond, int burst, java.util.List<String> trustedProxies) {
        public Security {
            trustedProxies = trustedProxies == null ? java.util.List.of() : java.util.List.copyOf(trustedProxies);
        }
    }

    public record Oidc(String issuer, String audience, java.net.URI jwksUrl, String nameClaim, String rolesClaim, String plantsClaim,
                       Duration jwksCacheFor, Duration clockSkew) {
    }

    /** @param otlp null: no spans are recorded */
    public record Tracing(String serviceName, double sampleRatio, Otlp otlp) {
    }

    public record Otlp(java.net.URI endpoint, Map<String, dev.millwright.config.spec.Secret> headers, Duration timeout, Duration exportDelay,
                       int queueSize) {
    }

    public record Flows(int workers, int batch, Duration pollInterval) {
    }

    /** @param tls null: plain HTTP (run behind a TLS-terminating proxy) */
    public record Http(String host, int port, int maxBodyBytes, int maxBatchEvents, Duration idleTimeout, Tls tls) {
    }

    public record Tls(java.nio.file.Path keystore, dev.millwright.config.spec.Secret password, String type) {
    }

    public record Ingest(Duration groupCommitWindow, int maxGroupEvents, int writers, int routingFloor) {
    }

    public record Delivery(int lanes, Duration leaseTtl, int batchSize, Duration pollInterval, Duration drainTimeout) {
    }

    public record Contracts(boolean allowUnknownTypes) {
    }

    public record Retention(Duration deliveredAfter, Duration eventsAfter, Duration idempotencyWindow, Duration interval, int batchSize,
                            Duration flowsAfter) {
    }

    static HubSettings from(Map<String, Object> t) {
        var http = section(t, "http");
        var ingest = section(t, "ingest");
        var delivery = section(t, "delivery");
        var retention = section(t, "retention");
        var contracts = section(t, "contracts");
        var flows = section(t, "flows");
        var tracing = section(t, "tracing");
        var otlp = section(tracing, "otlp");
        var security = section(t, "security");
        var oidc = section(security, "oidc");
        var rate = section(security, "rateLimit");
        return new HubSettings(get(t, "plant"),
                new Http(get(http, "host"), get(http, "port"), get(http, "maxBodyBytes"), get(http, "maxBatchEvents"), get(http, "idleTimeout"),
                        section(http, "tls") == null ? null : new Tls(java.nio.file.Path.of((String) get(section(http, "tls"), "keystore")).toAbsolutePath(),
                                get(section(http, "tls"), "password"), get(section(http, "tls"), "type"))),
                new Ingest(get(ingest, "groupCommitWindow"), get(ingest, "maxGroupEvents"), get(ingest, "writers"), get(ingest, "routingFloor")),
                new Delivery(get(delivery, "lanes"), get(delivery, "leaseTtl"), get(delivery, "batchSize"),
                        get(delivery, "pollInterval"), get(delivery, "drainTimeout")),
                new Contracts(get(contracts, "allowUnknownTypes")),
                new Retention(get(retention, "deliveredAfter"), get(retention, "eventsAfter"), get(retention, "idempotencyWindow"), get(retention, "interval"),
                        get(retention, "batchSize"), get(retention, "flowsAfter")),
                new Flows(get(flows, "workers"), get(flows, "batch"), get(flows, "pollInterval")),
                new Tracing(get(tracing, "serviceName"), ((Number) get(tracing, "sampleRatio")).doubleValue(), otlp == null ? null
                        : new Otlp(get(otlp, "endpoint"), section(otlp, "headers") == null ? Map.of() : Map.copyOf(get(otlp, "headers")),
                        get(otlp, "timeout"), get(otlp, "exportDelay"), get(otlp, "queueSize"))),
                new Security(oidc == null ? null : new Oidc(get(oidc, "issuer"), get(oidc, "audience"), get(oidc, "jwksUrl"), get(oidc, "nameClaim"),
                        get(oidc, "rolesClaim"), get(oidc, "plantsClaim"), get(oidc, "jwksCacheFor"), get(oidc, "clockSkew")),
                        get(rate, "requestsPerSecond"), get(rate, "burst"), get(security, "trustedProxies")));
    }

    public HubSettings withHttp(String host, int port) {
        return new HubSettings(plant, new Http(host, port, http.maxBodyBytes, http.maxBatchEvents, http.idleTimeout, http.tls), ingest, delivery, contracts, retention, flows, tracing, security);
    }


}
