package io.sipfleet.simulator.scenario.run;

import io.sipfleet.device.sip.Method;
import io.sipfleet.device.sip.OutboundRequest;
import io.sipfleet.device.virtual.SipWorld;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The REGISTER rate at each server of a virtual run, per second: how many REGISTER requests the server received
 * (first sends, retransmissions and the second, authorised attempt of a digest exchange alike: what reaches it,
 * whatever its mode) and how many it accepted with 200 OK. Second 0 is the run's first second. What a planner asks of a
 * failover storm: its peak and its shape at each server. Reported in the journal (entry {@code register-rate}) and as
 * CSV ({@link #csv}, written by {@link Reports}).
 */
final class RegisterRate implements SipWorld.Tap {
    /** The CSV's header. */
    static final String HEADER = "second,primary_register,primary_accepted,backup_register,backup_accepted";
    static final List<String> SERVERS = List.of("primary", "backup");

    private final long originMs;
    /** Per server: [second] -> count; grown as needed. */
    private final Map<String, int[]> received = new LinkedHashMap<>();
    private final Map<String, int[]> accepted = new LinkedHashMap<>();
    private int seconds;

    RegisterRate(long originMs) {
        this.originMs = originMs;
        for (String s : SERVERS) {
            received.put(s, new int[64]);
            accepted.put(s, new int[64]);
        }
    }

    @Override
    public void received(SipWorld.Server server, OutboundRequest r, long at) {
        if (r.method() == Method.REGISTER) {
            count(received, server.name(), at);
        }
    }

    @Override
    public void accepted(SipWorld.Server server, OutboundRequest r, int expires, long at) {
        count(accepted, server.name(), at);
    }

    private void count(Map<String, int[]> m, String server, long at) {
        int[] bins = m.get(server);
        if (bins == null) {
            return;
        }
        int s = (int) ((at - originMs) / 1000);
        if (s >= bins.length) {
            bins = Arrays.copyOf(bins, Math.max(s + 1, bins.length * 2));
            m.put(server, bins);
        }
        bins[s]++;
        seconds = Math.max(seconds, s + 1);
    }

    /** REGISTER requests {@code server} received in second {@code s} of the run. */
    int received(String server, int s) {
        int[] b = received.get(server);
        return b == null || s >= b.length ? 0 : b[s];
    }

    int accepted(String server, int s) {
        int[] b = accepted.get(server);
        return b == null || s >= b.length ? 0 : b[s];
    }

    /** Seconds with a count (the last one with a REGISTER, plus one). */
    int seconds() {
        return seconds;
    }

    /** The highest count of a second, and the first second it came in: {count, second}. */
    int[] peak(String server) {
        int best = 0;
        int at = 0;
        for (int s = 0; s < seconds; s++) {
            if (received(server, s) > best) {
                best = received(server, s);
                at = s;
            }
        }
        return new int[] {best, at};
    }

    long total(Map<String, int[]> m, String server) {
        long n = 0;
        for (int v : m.get(server)) {
            n += v;
        }
        return n;
    }

    /** For the journal: the totals, the peak per server, and every second as a row of the CSV's columns. */
    Map<String, Object> data() {
        Map<String, Object> d = new LinkedHashMap<>();
        d.put("binMs", 1000);
        d.put("columns", List.of(HEADER.split(",")));
        Map<String, Object> servers = new LinkedHashMap<>();
        for (String s : SERVERS) {
            int[] p = peak(s);
            Map<String, Object> one = new LinkedHashMap<>();
            one.put("registers", total(received, s));
            one.put("accepted", total(accepted, s));
            one.put("peakPerSecond", p[0]);
            one.put("peakAtSecond", p[1]);
            servers.put(s, one);
        }
        d.put("servers", servers);
        List<List<Integer>> rows = new ArrayList<>(seconds);
        for (int s = 0; s < seconds; s++) {
            rows.add(List.of(s, received("primary", s), accepted("primary", s), received("backup", s),
                    accepted("backup", s)));
        }
        d.put("series", rows);
        return d;
    }

    /** One line for the journal's text. */
    String describe() {
        StringBuilder b = new StringBuilder("REGISTER rate per second over ").append(seconds).append(" s:");
        for (String s : SERVERS) {
            int[] p = peak(s);
            b.append(' ').append(s).append(" ").append(total(received, s)).append(" received (")
                    .append(total(accepted, s)).append(" accepted), peak ").append(p[0]).append("/s at second ")
                    .append(p[1]).append(';');
        }
        b.setLength(b.length() - 1);
        return b.toString();
    }

    /** The CSV of a journal entry's {@link #data()}: the header, then a row per second. */
    static String csv(Map<String, Object> data) {
        StringBuilder b = new StringBuilder(HEADER).append('\n');
        Object series = data.get("series");
        if (series instanceof List<?> rows) {
            for (Object row : rows) {
                if (row instanceof List<?> cells) {
                    for (int i = 0; i < cells.size(); i++) {
                        if (i > 0) {
                            b.append(',');
                        }
                        b.append(cells.get(i));
                    }
                    b.append('\n');
                }
            }
        }
        return b.toString();
    }
}
