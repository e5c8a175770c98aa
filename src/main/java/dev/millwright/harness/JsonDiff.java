package dev.millwright.harness;

import com.fasterxml.jackson.databind.JsonNode;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/** Differences between an expected and an actual JSON value, one line per JSON pointer; numbers compare by value. */
public final class JsonDiff {
    private JsonDiff() {
    }

    /**
     * Where {@code actual} does not contain {@code expected}: objects compare only the fields expected gives, arrays
     * element by element (same length), values exactly (numbers by value).
     */
    public static List<String> contained(JsonNode expected, JsonNode actual) {
        List<String> out = new ArrayList<>();
        contained("", expected, actual, out);
        return out;
    }

    private static void contained(String pointer, JsonNode expected, JsonNode actual, List<String> out) {
        String at = pointer.isEmpty() ? "/" : pointer;
        if (expected.isObject() && actual != null && actual.isObject()) {
            expected.fieldNames().forEachRemaining(name -> {
                String child = pointer + "/" + name.replace("~", "~0").replace("/", "~1");
                if (!actual.has(name)) out.add(child + ": missing (expected " + expected.get(name) + ")");
                else contained(child, expected.get(name), actual.get(name), out);
            });
            return;
        }
        if (expected.isArray() && actual != null && actual.isArray() && expected.size() == actual.size()) {
            for (int i = 0; i < expected.size(); i++) contained(pointer + "/" + i, expected.get(i), actual.get(i), out);
            return;
        }
        if (actual == null) {
            out.add(at + ": missing (expected " + expected + ")");
            return;
        }
        diff(pointer, expected, actual, out, false);
    }

    public static List<String> diff(JsonNode expected, JsonNode actual) {
        List<String> out = new ArrayList<>();
        diff("", expected, actual, out, false);
        return out;
    }

    /** What an edit changed, one line per place: "/data/qty: 5 → 3", "/data/note: added …", "/data/old: removed …". */
    public static List<String> changes(JsonNode before, JsonNode after) {
        List<String> out = new ArrayList<>();
        diff("", before, after, out, true);
        return out;
    }

    private static void diff(String pointer, JsonNode expected, JsonNode actual, List<String> out, boolean change) {
        String at = pointer.isEmpty() ? "/" : pointer;
        if (expected.isNumber() && actual.isNumber()) {
            if (expected.decimalValue().compareTo(actual.decimalValue()) != 0) out.add(differs(at, expected, actual, change));
            return;
        }
        if (expected.isObject() && actual.isObject()) {
            Set<String> names = new LinkedHashSet<>();
            expected.fieldNames().forEachRemaining(names::add);
            actual.fieldNames().forEachRemaining(names::add);
            for (String name : names) {
                String child = pointer + "/" + name.replace("~", "~0").replace("/", "~1");
                if (!actual.has(name)) out.add(child + (change ? ": removed " + expected.get(name) : ": missing (expected " + expected.get(name) + ")"));
                else if (!expected.has(name)) out.add(child + (change ? ": added " : ": not expected (got ") + actual.get(name) + (change ? "" : ")"));
                else diff(child, expected.get(name), actual.get(name), out, change);
            }
            return;
        }
        if (expected.isArray() && actual.isArray()) {
            Iterator<JsonNode> e = expected.elements(), a = actual.elements();
            int i = 0;
            while (e.hasNext() && a.hasNext()) diff(pointer + "/" + i++, e.next(), a.next(), out, change);
            if (e.hasNext() || a.hasNext()) {
                out.add(at + (change ? ": " + expected.size() + " → " + actual.size() + " items" : ": expected " + expected.size() + " items, got " + actual.size()));
            }
            return;
        }
        if (!expected.equals(actual)) out.add(differs(at, expected, actual, change));
    }

    private static String differs(String at, JsonNode expected, JsonNode actual, boolean change) {
        return at + (change ? ": " + expected + " → " + actual : ": expected " + expected + ", got " + actual);
    }
}
