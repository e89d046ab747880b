package io.sipfleet.simulator.sip;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.BiConsumer;

/**
 * Malformed SIP messages a stack dropped, counted by where they came from: the transport ({@code udp},
 * {@code tcp}, {@code tls}) and the peer's {@code host:port} as the packets carry it (a datagram's
 * source, a connection's remote end). The peers are capped: once {@link #MAX_ADDRESSES} distinct
 * addresses have been seen, messages from any further one are counted under {@link #OTHER}, so a
 * hostile peer changing source ports cannot grow the set (and the metric's series) without bound.
 * Thread-safe; counting a message from a known source costs a map lookup and an add.
 */
public final class MalformedMessages {
    /** Distinct peer addresses counted on their own; more fold into {@link #OTHER}. */
    public static final int MAX_ADDRESSES = 100;
    /** The address of peers beyond {@link #MAX_ADDRESSES}. */
    public static final String OTHER = "other";

    /** Where malformed messages came from. */
    public record Source(String transport, String address) {}

    /** The count of one source: a stable object (a metric may hold it and read it at any time). */
    public static final class Tally {
        private final LongAdder n = new LongAdder();

        public long value() {
            return n.sum();
        }
    }

    private final int maxAddresses;
    private final Map<Source, Tally> tallies = new ConcurrentHashMap<>();
    private final Set<String> addresses = ConcurrentHashMap.newKeySet();
    private final LongAdder total = new LongAdder();
    private final List<BiConsumer<Source, Tally>> listeners = new CopyOnWriteArrayList<>();

    public MalformedMessages() {
        this(MAX_ADDRESSES);
    }

    /** @param maxAddresses distinct peer addresses counted on their own (tests use a small one) */
    public MalformedMessages(int maxAddresses) {
        if (maxAddresses < 1) {
            throw new IllegalArgumentException("maxAddresses " + maxAddresses + " < 1");
        }
        this.maxAddresses = maxAddresses;
    }

    /**
     * Counts one malformed message.
     *
     * @param transport {@code udp}, {@code tcp} or {@code tls} (any case)
     * @param address   the peer's {@code host:port}
     */
    public void count(String transport, String address) {
        String t = transport == null ? "unknown" : transport.toLowerCase(Locale.ROOT);
        String a = admit(address == null ? "unknown" : address);
        Source s = new Source(t, a);
        Tally tally = tallies.get(s);
        if (tally == null) {
            tally = newTally(s);
        }
        tally.n.increment();
        total.increment();
    }

    private String admit(String address) {
        if (addresses.contains(address)) {
            return address;
        }
        synchronized (addresses) {
            if (addresses.contains(address)) {
                return address;
            }
            if (addresses.size() >= maxAddresses) {
                return OTHER;
            }
            addresses.add(address);
            return address;
        }
    }

    private synchronized Tally newTally(Source s) {
        Tally t = tallies.get(s);
        if (t == null) {
            t = new Tally();
            tallies.put(s, t);
            for (BiConsumer<Source, Tally> l : listeners) {
                l.accept(s, t);
            }
        }
        return t;
    }

    /** Every malformed message counted, from every source. */
    public long total() {
        return total.sum();
    }

    /** The count of one source (0 when none came from it). */
    public long countOf(String transport, String address) {
        Tally t = tallies.get(new Source(transport.toLowerCase(Locale.ROOT), address));
        return t == null ? 0 : t.value();
    }

    /** The count of every source seen, in no particular order. */
    public Map<Source, Long> snapshot() {
        Map<Source, Long> out = new LinkedHashMap<>();
        tallies.forEach((s, t) -> out.put(s, t.value()));
        return out;
    }

    /**
     * Calls {@code listener} with every source already seen, then with each new one as it first
     * appears (on the thread that counts it, before that count is added), so a metric can register a
     * counter per source that reads its tally.
     */
    public synchronized void onNewSource(BiConsumer<Source, Tally> listener) {
        tallies.forEach(listener);
        listeners.add(listener);
    }
}
