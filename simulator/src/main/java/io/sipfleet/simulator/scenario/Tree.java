package io.sipfleet.simulator.scenario;

import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The document as Jackson's streaming parser (YAML or JSON) reads it, with the line and column of every value and
 * key kept, which Jackson's own tree does not keep. Nothing here parses text: the tokens are Jackson's.
 */
final class Tree {
    private Tree() {
    }

    sealed interface Node permits Obj, Arr, Scalar {
        int line();

        int column();
    }

    record Field(String key, int line, int column, Node value) {}

    /** A mapping, keys in the file's order. */
    record Obj(int line, int column, Map<String, Field> fields) implements Node {
        Node get(String key) {
            Field f = fields.get(key);
            return f == null ? null : f.value();
        }

        boolean has(String key) {
            return fields.containsKey(key);
        }
    }

    record Arr(int line, int column, List<Node> items) implements Node {}

    /**
     * @param value a String, Integer, Long, BigInteger, Double, Boolean, or null
     * @param raw   the scalar as written (YAML 1.1 reads {@code off} as false: raw keeps "off")
     */
    record Scalar(int line, int column, Object value, String raw) implements Node {
        Scalar(int line, int column, Object value) {
            this(line, column, value, value == null ? null : value.toString());
        }
    }

    /** A duplicate key found while reading (the first one is kept). */
    record Duplicate(String path, String key, int line, int column) {}

    /** Reads the value at the parser's current token (and everything inside it). */
    static Node read(JsonParser p, String path, List<Duplicate> duplicates) throws IOException {
        JsonToken t = p.currentToken();
        JsonLocation loc = p.currentTokenLocation();
        int line = loc.getLineNr();
        int column = loc.getColumnNr();
        switch (t) {
            case START_OBJECT -> {
                Map<String, Field> fields = new LinkedHashMap<>();
                while (p.nextToken() == JsonToken.FIELD_NAME) {
                    String key = p.currentName();
                    JsonLocation kl = p.currentTokenLocation();
                    p.nextToken();
                    String childPath = path.isEmpty() ? key : path + "." + key;
                    Node value = read(p, childPath, duplicates);
                    if (fields.containsKey(key)) {
                        duplicates.add(new Duplicate(childPath, key, kl.getLineNr(), kl.getColumnNr()));
                    } else {
                        fields.put(key, new Field(key, kl.getLineNr(), kl.getColumnNr(), value));
                    }
                }
                return new Obj(line, column, fields);
            }
            case START_ARRAY -> {
                List<Node> items = new ArrayList<>();
                int i = 0;
                while (p.nextToken() != JsonToken.END_ARRAY) {
                    items.add(read(p, path + "[" + i++ + "]", duplicates));
                }
                return new Arr(line, column, items);
            }
            case VALUE_STRING -> {
                return new Scalar(line, column, p.getText());
            }
            case VALUE_NUMBER_INT -> {
                return new Scalar(line, column, p.getNumberValue());
            }
            case VALUE_NUMBER_FLOAT -> {
                return new Scalar(line, column, p.getDoubleValue());
            }
            case VALUE_TRUE, VALUE_FALSE -> {
                return new Scalar(line, column, t == JsonToken.VALUE_TRUE, p.getText());
            }
            case VALUE_NULL -> {
                return new Scalar(line, column, null);
            }
            default -> throw new IOException("unexpected " + t);
        }
    }

    /** The value as plain Java (maps, lists, scalars), for free-form fields such as a fault's params. */
    static Object plain(Node n) {
        if (n instanceof Obj o) {
            Map<String, Object> m = new LinkedHashMap<>();
            o.fields().forEach((k, f) -> m.put(k, plain(f.value())));
            return m;
        }
        if (n instanceof Arr a) {
            List<Object> l = new ArrayList<>();
            a.items().forEach(i -> l.add(plain(i)));
            return l;
        }
        return ((Scalar) n).value();
    }

    /** "a string", "a number (8)", ... for messages. */
    static String describe(Node n) {
        if (n instanceof Obj) {
            return "a mapping";
        }
        if (n instanceof Arr) {
            return "a list";
        }
        Object v = ((Scalar) n).value();
        if (v == null) {
            return "empty (null)";
        }
        if (v instanceof String s) {
            return "the string \"" + s + "\"";
        }
        if (v instanceof Boolean b) {
            return "the boolean " + b;
        }
        return "the number " + v;
    }
}
