package dev.millwright.inbound;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.MappingIterator;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.csv.CsvMapper;
import com.fasterxml.jackson.dataformat.csv.CsvParser;
import com.fasterxml.jackson.dataformat.csv.CsvSchema;
import com.fasterxml.jackson.dataformat.xml.XmlMapper;
import dev.millwright.event.Json;
import dev.millwright.ingest.RejectedInput;

import java.io.IOException;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.ByteBuffer;
import java.util.Locale;
import java.util.Map;

/**
 * The payload formats systems send: JSON as is; XML as its element tree under the root element's name
 * (attributes and child elements become fields, repeated elements arrays, the text beside them {@code _text}); CSV with a header row as an array of row objects, values as text.
 * What a mapping sees is always JSON.
 */
public enum PayloadFormat {
    JSON, XML, CSV;

    /** Text of an element that also has attributes or children, e.g. {@code <Value unit="mm">25.3</Value>}. */
    public static final String XML_TEXT = "_text";
    private static final XmlMapper XML_MAPPER = XmlMapper.builder(
            com.fasterxml.jackson.dataformat.xml.XmlFactory.builder().nameForTextElement(XML_TEXT).build()).build();
    private static final CsvMapper CSV_MAPPER = CsvMapper.builder()
            .enable(CsvParser.Feature.FAIL_ON_MISSING_COLUMNS)
            .enable(CsvParser.Feature.FAIL_ON_MISSING_HEADER_COLUMNS)
            .enable(CsvParser.Feature.TRIM_SPACES)
            .build();

    public String id() {
        return name().toLowerCase(Locale.ROOT);
    }

    public static PayloadFormat of(String id) {
        return valueOf(id.toUpperCase(Locale.ROOT));
    }

    /** The format of a media type (application/json, text/xml, text/csv, +json, +xml), or null. */
    public static PayloadFormat ofMediaType(String media) {
        if (media.equals("application/json") || media.endsWith("+json")) return JSON;
        if (media.equals("application/xml") || media.equals("text/xml") || media.endsWith("+xml")) return XML;
        if (media.equals("text/csv") || media.equals("application/csv")) return CSV;
        return null;
    }

    /** @throws RejectedInput (400) saying where the payload is malformed */
    public JsonNode parse(byte[] payload) {
        try {
            return switch (this) {
                case JSON -> Json.MAPPER.readTree(utf8(payload));
                case XML -> xml(payload); // the parser reads the encoding the XML declaration names (UTF-8 when none)
                case CSV -> csv(utf8(payload));
            };
        } catch (JsonProcessingException e) {
            var at = e.getLocation();
            String where = at == null ? "" : " at line " + at.getLineNr() + ", column " + at.getColumnNr();
            throw new RejectedInput(400, "Malformed " + name(), "the payload is not valid " + name() + where + ": " + e.getOriginalMessage());
        } catch (IOException e) {
            throw new RejectedInput(400, "Malformed " + name(), "the payload is not valid " + name() + ": " + e.getMessage());
        }
    }

    /** The element tree under its root element's name: {@code <Sample id="1"/>} is {"Sample": {"id": "1"}}. */
    private static JsonNode xml(byte[] payload) throws IOException {
        JsonNode tree = XML_MAPPER.readTree(payload);
        String root;
        try {
            var reader = javax.xml.stream.XMLInputFactory.newFactory().createXMLStreamReader(new java.io.ByteArrayInputStream(payload));
            root = reader.nextTag() == javax.xml.stream.XMLStreamConstants.START_ELEMENT ? reader.getLocalName() : "root";
            reader.close();
        } catch (javax.xml.stream.XMLStreamException e) {
            throw new IOException(e.getMessage());
        }
        ObjectNode out = Json.MAPPER.createObjectNode();
        out.set(root, tree);
        return out;
    }

    private static JsonNode csv(String text) throws IOException {
        ArrayNode rows = Json.MAPPER.createArrayNode();
        CsvSchema schema = CsvSchema.emptySchema().withHeader();
        try (MappingIterator<Map<String, String>> it = CSV_MAPPER.readerFor(Map.class).with(schema).readValues(text)) {
            while (it.hasNextValue()) {
                Map<String, String> row = it.nextValue();
                ObjectNode node = rows.addObject();
                row.forEach(node::put);
            }
        }
        return rows;
    }

    private String utf8(byte[] payload) {
        try {
            return StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(payload)).toString();
        } catch (CharacterCodingException e) {
            throw new RejectedInput(400, "Malformed " + name(), "the payload is not UTF-8");
        }
    }
}
