package dev.millwright.routing;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.millwright.config.Subscription;
import dev.millwright.event.CloudEvent;
import dev.millwright.event.Json;
import dev.millwright.store.NewDelivery;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

class RouterTest {
    private static CloudEvent event(String id, String type, String subject, String data) throws Exception {
        String json = "{\"specversion\":\"1.0\",\"id\":\"" + id + "\",\"source\":\"qms\",\"type\":\"" + type + "\""
                + (subject == null ? "" : ",\"subject\":\"" + subject + "\"") + ",\"data\":" + data + "}";
        return new CloudEvent(id, "qms", type, subject, null, (ObjectNode) Json.MAPPER.readTree(json), json);
    }

    @Test
    void routesToEveryMatchingEnabledSubscription() throws Exception {
        Router router = new Router(List.of(
                new Subscription("exact", "quality.inspection.failed", "erp", "/holds", null, "subject", true),
                new Subscription("family", "quality.*", "eam", "/requests", null, "data.asset.id", true),
                new Subscription("all", "*", "lake", "/events", null, null, true),
                new Subscription("off", "*", "erp", "/never", null, null, false),
                new Subscription("other", "maintenance.*", "erp", "/x", null, null, true)), 64);
        List<NewDelivery> out = router.route(event("e1", "quality.inspection.failed", "LOT-1", "{\"asset\":{\"id\":\"A-7781\"}}"), 17);
        assertThat(out).extracting(NewDelivery::subscription).containsExactly("exact", "family", "all");
        assertThat(out).extracting(NewDelivery::orderingKey).containsExactly("LOT-1", "A-7781", null);
        assertThat(out).allSatisfy(d -> assertThat(d.lane()).isBetween(0, 63));
        assertThat(out).extracting(NewDelivery::eventSeq).containsOnly(17L);
    }

    @Test
    void sameKeySameLaneAndStableIdempotencyKeys() throws Exception {
        Router router = new Router(List.of(new Subscription("s", "*", "erp", "/", null, "subject", true)), 64);
        NewDelivery a = router.route(event("e1", "t", "LOT-9", "{}"), 1).getFirst();
        NewDelivery b = router.route(event("e2", "t", "LOT-9", "{}"), 2).getFirst();
        assertThat(a.lane()).isEqualTo(b.lane());
        assertThat(a.idempotencyKey()).isEqualTo(Router.idempotencyKey("s", "qms", "e1", 0)).isNotEqualTo(b.idempotencyKey());
        assertThat(Router.idempotencyKey("s", "qms", "e1", 7)).isNotEqualTo(a.idempotencyKey());
        assertThat(Router.idempotencyKey("other", "qms", "e1", 0)).isNotEqualTo(a.idempotencyKey());
    }

    @Test
    void missingOrStructuredKeyValuesAreUnordered() throws Exception {
        assertThat(Router.orderingKey(event("e", "t", null, "{}"), "subject")).isNull();
        assertThat(Router.orderingKey(event("e", "t", null, "{\"lot\":{\"a\":1}}"), "data.lot")).isNull();
        assertThat(Router.orderingKey(event("e", "t", null, "{\"lot\":42}"), "data.lot")).isEqualTo("42");
        assertThat(Router.orderingKey(event("e", "t", null, "[1]"), "data.lot")).isNull();
    }

    @Test
    void anEventReadBackFromTheLogRoutesAsTheOneThatCameIn() throws Exception {
        Router router = new Router(List.of(
                new Subscription("by-subject", "quality.*", "erp", "/holds", null, "subject", true),
                new Subscription("by-data", "quality.*", "eam", "/requests", null, "data.asset.id", true),
                new Subscription("by-extension", "quality.*", "mes", "/status", null, "plant", true)), 64);
        CloudEvent arrived = event("e1", "quality.inspection.failed", "LOT-1", "{\"asset\":{\"id\":\"A-7781\"}}");
        String stored = arrived.envelope().put("plant", "acme/plant-a").toString();
        CloudEvent logged = CloudEvent.fromLog(17, "e1", "qms", "quality.inspection.failed", "LOT-1", stored);
        assertThat(router.route(logged, 17)).isEqualTo(router.route(arrived, 17))
                .extracting(NewDelivery::orderingKey).containsExactly("LOT-1", "A-7781", "acme/plant-a");
        assertThat(CloudEvent.fromLog(18, "e2", "qms", "t", null, "[1]").attribute("source")).isEqualTo("qms");
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> CloudEvent.fromLog(18, "e2", "qms", "t", null, "[1]").data())
                .hasMessageContaining("stored event 18 is not a JSON object");
    }
}
