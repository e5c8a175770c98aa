package dev.millwright.inbound;

import dev.millwright.config.spec.Spec;

import static dev.millwright.config.spec.Spec.oneOf;
import static dev.millwright.config.spec.Spec.optional;
import static dev.millwright.config.spec.Spec.required;
import static dev.millwright.config.spec.Spec.string;

/** Settings every inbound connector kind has, described once. */
public final class InboundFields {
    private InboundFields() {
    }

    public static Spec.Field mapping(String example) {
        return required("mapping", string(), "Mapping in mappings/ (JSONata) that turns one payload into zero or more events "
                + "(objects with type, id, subject, data, and any CloudEvents attributes); a repeated id is a duplicate.", example);
    }

    public static Spec.Field format() {
        return optional("format", oneOf("json", "xml", "csv"), "json", "Payload format. XML becomes its element tree under the root element's name (attributes and child elements as fields, "
                + "repeated elements as arrays, an element's text beside attributes as _text), CSV (with a "
                + "header row) an array of row objects with text values; the mapping always sees JSON.");
    }

    public static Spec.Field source() {
        return optional("source", string(), null, "CloudEvents source of mapped events that name none (default system://NAME).");
    }
}
