package io.sipfleet.systemtests.bench;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** A benchmark's options: system properties {@code sipfleet.bench.NAME}, remembered to be printed. */
final class Options {
    private final Map<String, String> used = new LinkedHashMap<>();

    String string(String name, String def) {
        String v = System.getProperty("sipfleet.bench." + name, def);
        used.put(name, v);
        return v;
    }

    int integer(String name, int def) {
        return Integer.parseInt(string(name, Integer.toString(def)).trim());
    }

    long longValue(String name, long def) {
        return Long.parseLong(string(name, Long.toString(def)).trim());
    }

    double decimal(String name, double def) {
        return Double.parseDouble(string(name, stripZero(def)).trim());
    }

    boolean flag(String name, boolean def) {
        return Boolean.parseBoolean(string(name, Boolean.toString(def)).trim());
    }

    List<Integer> integers(String name, String def) {
        List<Integer> out = new ArrayList<>();
        Arrays.stream(string(name, def).split(",")).map(String::trim).filter(s -> !s.isEmpty())
                .forEach(s -> out.add(Integer.parseInt(s)));
        return out;
    }

    /** "-Dsipfleet.bench.a=1 -Dsipfleet.bench.b=2 ..." of every option read so far. */
    String describe() {
        StringBuilder s = new StringBuilder();
        used.forEach((k, v) -> s.append(s.length() == 0 ? "" : " ").append("sipfleet.bench.").append(k).append('=')
                .append(v.isEmpty() ? "''" : v));
        return s.toString();
    }

    private static String stripZero(double d) {
        return d == Math.rint(d) ? Long.toString((long) d) : Double.toString(d);
    }
}
