package dev.millwright.ingest;

import dev.millwright.event.CloudEvent;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class CloudEventReaderTest {
    private final CloudEventReader reader = new CloudEventReader(10);

    @Test
    void batchKeepsEachEventExactlyAsSent() {
        String first = "{ \"specversion\" : \"1.0\", \"id\":\"a\",\"source\":\"s\",\"type\":\"t\", \"data\": {\"x\": 1.50} }";
        String second = "{\"specversion\":\"1.0\",\"id\":\"b\",\"source\":\"s\",\"type\":\"t\",\"plantid\":\"P1\"}";
        List<CloudEvent> events = reader.read(CloudEventReader.BATCH, Map.of(),
                ("[ " + first + " ,\n" + second + "]").getBytes(StandardCharsets.UTF_8));
        assertThat(events).extracting(CloudEvent::json).containsExactly(first, second);
        assertThat(events.get(1).attribute("plantid")).isEqualTo("P1");
        assertThat(events.getFirst().data().get("x").asText()).isEqualTo("1.5");
    }

    @Test
    void binaryModeTakesAttributesFromHeadersAndTheBodyAsData() {
        Map<String, String> headers = Map.of("ce-specversion", "1.0", "ce-id", "42", "ce-source", "mes://line-1",
                "ce-type", "production.workorder.confirmed", "ce-subject", "WO%2F17", "ce-time", "2026-11-25T10:15:30+01:00");
        CloudEvent e = reader.read("application/json; charset=utf-8", headers,
                "{\"qty\":{\"value\":12,\"unit\":\"EA\"}}".getBytes(StandardCharsets.UTF_8)).getFirst();
        assertThat(e.subject()).isEqualTo("WO/17");
        assertThat(e.time()).isNotNull();
        assertThat(e.envelope().get("datacontenttype").asText()).isEqualTo("application/json; charset=utf-8");
        assertThat(e.data().at("/qty/unit").asText()).isEqualTo("EA");
    }

    @Test
    void binaryModeCarriesTextAsTextAndOtherBytesAsBase64() {
        Map<String, String> headers = Map.of("ce-specversion", "1.0", "ce-id", "1", "ce-source", "s", "ce-type", "t");
        CloudEvent csv = reader.read("text/csv", headers, "lot,qty\nL1,3\n".getBytes(StandardCharsets.UTF_8)).getFirst();
        assertThat(csv.data().asText()).isEqualTo("lot,qty\nL1,3\n");
        byte[] bytes = {0, 1, 2, (byte) 0xff};
        CloudEvent bin = reader.read("application/octet-stream", headers, bytes).getFirst();
        assertThat(Base64.getDecoder().decode(bin.envelope().get("data_base64").asText())).isEqualTo(bytes);
    }

    @Test
    void binaryModeProblemsNameTheHeader() {
        Map<String, String> headers = Map.of("ce-specversion", "1.0", "ce-id", "1", "ce-type", "t", "ce-time", "later");
        assertThatThrownBy(() -> reader.read("application/json", headers, "{}".getBytes(StandardCharsets.UTF_8)))
                .isInstanceOfSatisfying(RejectedInput.class, e -> assertThat(e.violations()).extracting(Violation::pointer)
                        .containsExactlyInAnyOrder("ce-source", "ce-time"));
    }

    @Test
    void batchLimitIsEnforced() {
        StringBuilder batch = new StringBuilder("[");
        for (int i = 0; i < 11; i++) {
            if (i > 0) batch.append(',');
            batch.append("{\"specversion\":\"1.0\",\"id\":\"").append(i).append("\",\"source\":\"s\",\"type\":\"t\"}");
        }
        assertThatThrownBy(() -> reader.read(CloudEventReader.BATCH, Map.of(), batch.append(']').toString().getBytes(StandardCharsets.UTF_8)))
                .isInstanceOfSatisfying(RejectedInput.class, e -> assertThat(e.status()).isEqualTo(413));
    }

    @Test
    void timesAreReadExactlyAsTheGeneralParserReadsThem() {
        List<String> samples = List.of("2025-06-01T12:00:00Z", "2025-06-01t12:00:00z", "2025-06-01T12:00:00.5Z",
                "2025-06-01T12:00:00.123456789+05:30", "2025-06-01T23:59:59.999-11:45", "2024-02-29T00:00:00+18:00",
                "2025-06-01T12:00:00.1234567890Z", "2025-06-01T12:00:00.Z", "2025-02-30T12:00:00Z", "2025-13-01T12:00:00Z",
                "2025-06-01T24:00:00Z", "2025-06-01T12:60:00Z", "2025-06-01T12:00:00+19:00", "2025-06-01T12:00:00+01:60",
                "2025-06-01T12:00:00", "2025-06-01T12:00Z", "2025-06-01 12:00:00Z", "2025-06-01T12:00:00+0100",
                "2025-06-01T12:00:00+01:00:30", "+2025-06-01T12:00:00Z", "2025-06-01T12:00:0aZ", "later", "");
        for (String s : samples) {
            Object expected, actual;
            try {
                expected = java.time.OffsetDateTime.parse(s);
            } catch (java.time.format.DateTimeParseException e) {
                expected = "rejected";
            }
            try {
                actual = CloudEventReader.parseTime(s);
            } catch (java.time.format.DateTimeParseException e) {
                actual = "rejected";
            }
            assertThat(actual).as(s).isEqualTo(expected);
        }
    }
}
