package io.sipfleet.faults.types;

import io.sipfleet.faults.InvalidFaultException;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Reads a fault's {@code params} for one type: refuses names the type does not take and values of
 * the wrong kind or out of range, each as an {@link InvalidFaultException} on {@code params.<name>}.
 * Numbers may come as any {@link Number} (a JSON body gives Integer, Long, Double or BigDecimal);
 * where a whole number is needed, a fractional one is refused. Text is not read as a number. A
 * null value counts as absent (the default applies).
 */
final class Params {
    private final String type;
    private final Map<String, Object> values;

    private Params(String type, Map<String, Object> values) {
        this.type = type;
        this.values = values;
    }

    /**
     * @param type    the type's name, for messages
     * @param raw     the fault's params, null for none
     * @param allowed the names the type takes, name to meaning
     */
    static Params read(String type, Map<String, Object> raw, Map<String, String> allowed) {
        Map<String, Object> values = new LinkedHashMap<>();
        if (raw != null) {
            for (Map.Entry<String, Object> e : raw.entrySet()) {
                String name = e.getKey();
                if (name == null || !allowed.containsKey(name)) {
                    String takes = allowed.isEmpty() ? type + " takes no parameters"
                            : type + " takes: " + String.join(", ", allowed.keySet());
                    throw new InvalidFaultException("params." + name, "unknown parameter '" + name + "'; " + takes);
                }
                if (e.getValue() != null) {
                    values.put(name, e.getValue());
                }
            }
        }
        return new Params(type, values);
    }

    boolean has(String name) {
        return values.containsKey(name);
    }

    /** A whole number in [min, max], required. */
    long requiredInteger(String name, long min, long max) {
        if (!has(name)) {
            throw new InvalidFaultException("params." + name,
                    type + " needs parameter '" + name + "', a whole number from " + min + " to " + max);
        }
        return integer(name, 0, min, max);
    }

    /** A whole number in [min, max], {@code dflt} when absent. */
    long integer(String name, long dflt, long min, long max) {
        Object v = values.get(name);
        if (v == null) {
            return dflt;
        }
        String want = "a whole number from " + min + " to " + max;
        Long exact = wholeNumber(v);
        if (!(v instanceof Number)) {
            throw wrongKind(name, v, want);
        }
        if (exact == null) {
            throw new InvalidFaultException("params." + name, name + " must be " + want + ", not " + v);
        }
        if (exact < min || exact > max) {
            throw new InvalidFaultException("params." + name, name + " must be " + want + ", not " + v);
        }
        return exact;
    }

    /** A finite number in [min, max], {@code dflt} when absent. */
    double number(String name, double dflt, double min, double max) {
        Object v = values.get(name);
        if (v == null) {
            return dflt;
        }
        String want = "a number from " + plain(min) + " to " + plain(max);
        if (!(v instanceof Number)) {
            throw wrongKind(name, v, want);
        }
        double d = ((Number) v).doubleValue();
        if (Double.isNaN(d) || d < min || d > max) {
            throw new InvalidFaultException("params." + name, name + " must be " + want + ", not " + v);
        }
        return d;
    }

    /** Text, {@code dflt} when absent. */
    String string(String name, String dflt) {
        Object v = values.get(name);
        if (v == null) {
            return dflt;
        }
        if (!(v instanceof String)) {
            throw new InvalidFaultException("params." + name,
                    name + " must be text (in quotes), not the " + kind(v) + " " + v);
        }
        return (String) v;
    }

    InvalidFaultException invalid(String name, String message) {
        return new InvalidFaultException("params." + name, message);
    }

    private InvalidFaultException wrongKind(String name, Object v, String want) {
        String got = v instanceof String ? "the text \"" + v + "\" (write numbers without quotes)"
                : "the " + kind(v) + " " + v;
        return new InvalidFaultException("params." + name, name + " must be " + want + ", not " + got);
    }

    private static String kind(Object v) {
        if (v instanceof String) {
            return "text";
        }
        if (v instanceof Boolean) {
            return "boolean";
        }
        if (v instanceof Number) {
            return "number";
        }
        if (v instanceof Map) {
            return "object";
        }
        if (v instanceof Iterable || v.getClass().isArray()) {
            return "list";
        }
        return "value";
    }

    /** The exact whole value of a Number, or null when it has a fraction, is not finite or is beyond a long. */
    private static Long wholeNumber(Object v) {
        if (v instanceof Integer || v instanceof Long || v instanceof Short || v instanceof Byte) {
            return ((Number) v).longValue();
        }
        if (v instanceof BigInteger) {
            BigInteger b = (BigInteger) v;
            return b.bitLength() < 64 ? b.longValue() : null;
        }
        if (v instanceof BigDecimal) {
            try {
                return ((BigDecimal) v).longValueExact();
            } catch (ArithmeticException e) {
                return null;
            }
        }
        if (v instanceof Number) {
            double d = ((Number) v).doubleValue();
            if (Double.isNaN(d) || Double.isInfinite(d) || d != Math.rint(d) || Math.abs(d) > 9.0e15) {
                return null;
            }
            return (long) d;
        }
        return null;
    }

    private static String plain(double d) {
        return d == Math.rint(d) && Math.abs(d) < 1e15 ? Long.toString((long) d) : Double.toString(d);
    }
}
