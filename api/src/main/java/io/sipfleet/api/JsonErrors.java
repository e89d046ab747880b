package io.sipfleet.api;

import com.fasterxml.jackson.core.JsonParseException;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonStreamContext;
import com.fasterxml.jackson.core.exc.InputCoercionException;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.exc.InvalidFormatException;
import com.fasterxml.jackson.databind.exc.MismatchedInputException;
import com.fasterxml.jackson.databind.exc.UnrecognizedPropertyException;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.stream.Collectors;

/**
 * A JSON reading error as a person can act on it, naming the field: one wording for REST problems and
 * MQTT error answers alike.
 */
public final class JsonErrors {
    private JsonErrors() {}

    /** @param field the field at fault ({@code line.registerPort}, {@code keys[2]}), or null for the whole body */
    public record Described(String field, String detail) {}

    /** @param what the whole input as the reader calls it: "the body", "the payload" */
    public static Described describe(JsonProcessingException e, String what) {
        if (e instanceof UnrecognizedPropertyException u) {
            String field = path(u);
            return new Described(field, "unknown field '" + field + "'; known fields: "
                    + u.getKnownPropertyIds().stream().map(Object::toString).sorted().collect(Collectors.joining(", ")));
        }
        if (e instanceof InvalidFormatException f) {
            String field = path(f);
            return new Described(field, "'" + field + "' has the wrong type or format: got " + f.getValue()
                    + ", expected " + simple(f.getTargetType()));
        }
        if (e instanceof MismatchedInputException m && String.valueOf(m.getOriginalMessage()).startsWith("Trailing token")) {
            return new Described(null, "there is content after the JSON " + what.replace("the ", "")
                    + ": send one JSON value");
        }
        if (e instanceof MismatchedInputException m) {
            String field = path(m);
            return new Described(field.isEmpty() ? null : field, (field.isEmpty() ? what : "'" + field + "'")
                    + " has the wrong type: expected " + simple(m.getTargetType()));
        }
        if (e instanceof InputCoercionException c) {
            String field = currentField(c.getProcessor());
            return new Described(field, (field == null ? "a number" : "'" + field + "'") + " is out of range: "
                    + c.getOriginalMessage());
        }
        if (e instanceof JsonMappingException jm && !path(jm).isEmpty()) {
            String field = path(jm);
            return new Described(field, "'" + field + "' cannot be read: " + jm.getOriginalMessage());
        }
        if (e instanceof JsonParseException p) {
            return new Described(null, "malformed JSON at line " + p.getLocation().getLineNr() + ", column "
                    + p.getLocation().getColumnNr() + ": " + p.getOriginalMessage());
        }
        return new Described(null, "unreadable JSON: " + e.getOriginalMessage());
    }

    /** The field a parser was reading when it failed (a.b[2].c), or null. */
    private static String currentField(JsonParser p) {
        if (p == null) {
            return null;
        }
        Deque<String> parts = new ArrayDeque<>();
        for (JsonStreamContext c = p.getParsingContext(); c != null && !c.inRoot(); c = c.getParent()) {
            if (c.inObject() && c.getCurrentName() != null) {
                parts.addFirst(c.getCurrentName());
            } else if (c.inArray()) {
                parts.addFirst("[" + Math.max(0, c.getCurrentIndex()) + "]");
            }
        }
        String f = String.join(".", parts).replace(".[", "[");
        return f.isEmpty() ? null : f;
    }

    private static String path(JsonMappingException e) {
        StringBuilder sb = new StringBuilder();
        for (JsonMappingException.Reference r : e.getPath()) {
            if (r.getFieldName() != null) {
                if (sb.length() > 0) {
                    sb.append('.');
                }
                sb.append(r.getFieldName());
            } else if (r.getIndex() >= 0) {
                sb.append('[').append(r.getIndex()).append(']');
            }
        }
        return sb.toString();
    }

    private static String simple(Class<?> type) {
        if (type == null) {
            return "another type";
        }
        if (Number.class.isAssignableFrom(type) || type.isPrimitive() && type != boolean.class) {
            return "a number";
        }
        if (type == Boolean.class || type == boolean.class) {
            return "true or false";
        }
        if (type == String.class) {
            return "a string";
        }
        return type.isRecord() ? "a JSON object" : "an object";
    }
}
