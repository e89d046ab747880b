package io.sipfleet.simulator.trace;

import java.time.Duration;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Predicate;

/**
 * Which phones' SIP messages are kept, and their traces. Tracing costs nothing for phones nobody looks at:
 * <ul>
 *   <li>a phone is traced from the first time someone asks for its trace ({@link #watch}) until
 *       {@link Settings#keep()} after the last time (at most {@link Settings#maxWatched()} phones at once:
 *       past it the one read longest ago stops);</li>
 *   <li>every phone is traced while the simulator has at most {@link Settings#traceAllUpTo()} phones in
 *       all ({@link #phoneCount}), so a small fleet's trace starts with its first REGISTER.</li>
 * </ul>
 * While no phone is traced, a message costs one volatile read ({@link #on()}); while some are, each message
 * costs one lookup of whose it is, and only a traced phone's is parsed and copied, by the thread that sent or
 * received it, after it left. The stack's own message log is never turned on for a trace.
 * Messages are attributed to phones by the thread that sends them (the phone's send), then by their
 * transaction (the Via branch: retransmissions, answers, the stack's own ACKs), and a request from a
 * server by the phone it is routed to.
 */
public final class SipTracer {
    /**
     * @param capacity     messages kept per phone (the last ones)
     * @param traceAllUpTo every phone is traced while the simulator has at most this many (0: only on demand)
     * @param keep         how long a phone stays traced after its trace was last asked for
     * @param maxWatched   phones traced on demand at once
     */
    public record Settings(int capacity, int traceAllUpTo, Duration keep, int maxWatched) {
        public Settings {
            if (capacity < 1) {
                throw new IllegalArgumentException("trace capacity must be at least 1, got " + capacity);
            }
            if (traceAllUpTo < 0 || maxWatched < 1 || keep.isNegative()) {
                throw new IllegalArgumentException("trace settings out of range");
            }
        }

        public static Settings defaults() {
            return new Settings(200, 200, Duration.ofMinutes(5), 1000);
        }
    }

    private static final Map<String, SipTracer> BY_STACK = new ConcurrentHashMap<>();
    /** Tracers with at least one phone traced: while 0, the stacks do not report messages. */
    private static final java.util.concurrent.atomic.AtomicInteger ON = new java.util.concurrent.atomic.AtomicInteger();
    private static volatile boolean anyOn;
    /** Transactions (Via branches) of traced phones remembered at most: a few per phone in flight. */
    static final int MAX_BRANCHES = 20_000;

    private final String stackName;
    private volatile Settings settings;
    private final Map<String, PhoneTrace> traces = new ConcurrentHashMap<>();
    private final Map<String, String> branches = java.util.Collections.synchronizedMap(
            new LinkedHashMap<>(256, 0.75f, true) {
                @Override
                protected boolean removeEldestEntry(Map.Entry<String, String> eldest) {
                    return size() > MAX_BRANCHES;
                }
            });
    private volatile Predicate<String> known = id -> true;
    private volatile boolean all;
    private volatile boolean counted;

    private SipTracer(String stackName, Settings settings) {
        this.stackName = stackName;
        this.settings = settings;
    }

    /** Makes the tracer of the stack named {@code stackName} (the stack's valve and logger find it by name). */
    public static SipTracer register(String stackName, Settings settings) {
        SipTracer t = new SipTracer(stackName, settings);
        SipTracer old = BY_STACK.put(stackName, t);
        if (old != null) {
            old.close();
        }
        return t;
    }

    /** The tracer of a stack, or null. */
    public static SipTracer of(String stackName) {
        return stackName == null ? null : BY_STACK.get(stackName);
    }

    /** Whether any stack has a phone traced: the stacks report their messages only then. */
    public static boolean anyOn() {
        return anyOn;
    }

    public Settings settings() {
        return settings;
    }

    public void settings(Settings s) {
        this.settings = s;
        refresh();
    }

    /** Which phone ids exist (those of the fleets): only they are traced when every phone is. */
    public void known(Predicate<String> known) {
        this.known = known;
    }

    /** The simulator has {@code n} phones in all: every one is traced while that is at most the setting. */
    public void phoneCount(int n) {
        boolean a = n > 0 && n <= settings.traceAllUpTo();
        if (all && !a) {
            // no longer every phone: keep only the traces someone asked for
            traces.entrySet().removeIf(e -> e.getValue().lastReadNanos() == 0);
        }
        all = a;
        refresh();
    }

    /** Whether every phone is traced now. */
    public boolean tracingAll() {
        return all;
    }

    /** Whether this phone is traced now. */
    public boolean traced(String phoneId) {
        return all || traces.containsKey(phoneId);
    }

    /**
     * Someone asks for the phone's trace: it is traced from now (if it was not) until {@link Settings#keep()}
     * after the last time, and its messages so far are returned, oldest first.
     */
    public List<TracedMessage> watch(String phoneId) {
        long now = System.nanoTime();
        sweep(now);
        PhoneTrace t = traces.computeIfAbsent(phoneId, k -> new PhoneTrace(settings.capacity()));
        t.read(now);
        if (traces.size() > settings.maxWatched()) {
            traces.entrySet().stream().filter(e -> e.getValue().lastReadNanos() != 0 && e.getValue() != t)
                    .min(Comparator.comparingLong(e -> e.getValue().lastReadNanos()))
                    .ifPresent(e -> traces.remove(e.getKey(), e.getValue()));
        }
        refresh();
        return sorted(t.messages());
    }

    /** The phone's messages so far, oldest first, without starting or extending its trace. */
    public Optional<List<TracedMessage>> peek(String phoneId) {
        PhoneTrace t = traces.get(phoneId);
        return t == null ? Optional.empty() : Optional.of(sorted(t.messages()));
    }

    private static List<TracedMessage> sorted(List<TracedMessage> m) {
        return m.stream().sorted(Comparator.comparingLong(TracedMessage::atMicros)).toList();
    }

    /** The phone is gone (its fleet deleted): its trace goes too. */
    public void forget(String phoneId) {
        traces.remove(phoneId);
        refresh();
    }

    /** Traces asked for longer than {@link Settings#keep()} ago stop. */
    private void sweep(long now) {
        long keep = settings.keep().toNanos();
        traces.entrySet().removeIf(e -> {
            long r = e.getValue().lastReadNanos();
            return r != 0 && now - r > keep;
        });
        if (!all) {
            traces.entrySet().removeIf(e -> e.getValue().lastReadNanos() == 0);
        }
    }

    private synchronized void refresh() {
        boolean on = all || !traces.isEmpty();
        if (on != counted) {
            counted = on;
            anyOn = ON.addAndGet(on ? 1 : -1) > 0;
        }
    }

    // ---- recording (the SIP stack's threads) -------------------------------------------------------

    /** Whether this tracer wants messages now (one volatile read). */
    public boolean on() {
        return counted;
    }

    /**
     * The trace a message of {@code phoneId} goes to, or null when the phone is not traced. A phone whose
     * trace was asked for longer than {@link Settings#keep()} ago stops here.
     */
    PhoneTrace traceOf(String phoneId) {
        if (phoneId == null) {
            return null;
        }
        PhoneTrace t = traces.get(phoneId);
        if (t != null) {
            long r = t.lastReadNanos();
            if (r != 0 && System.nanoTime() - r > settings.keep().toNanos() && !all) {
                traces.remove(phoneId, t);
                refresh();
                return null;
            }
            return t;
        }
        if (all && known.test(phoneId)) {
            return traces.computeIfAbsent(phoneId, k -> new PhoneTrace(settings.capacity()));
        }
        return null;
    }

    /** The phone whose transaction {@code branch} is, if it is a traced phone's. */
    public String phoneOfBranch(String branch) {
        return branch == null ? null : branches.get(branch);
    }

    /**
     * Records a message of {@code phoneId} (null: not known, dropped). The branch is remembered, so that the
     * rest of its transaction (retransmissions, answers) finds the phone.
     */
    public void record(String phoneId, TracedMessage m) {
        PhoneTrace t = traceOf(phoneId);
        if (t == null) {
            return;
        }
        if (m.branch() != null) {
            branches.put(m.branch(), phoneId);
        }
        t.add(m);
    }

    /** Whether a message of {@code phoneId} would be kept (check before building it). */
    public boolean wants(String phoneId) {
        return phoneId != null && (all ? known.test(phoneId) || traces.containsKey(phoneId) : traces.containsKey(phoneId));
    }

    public void close() {
        BY_STACK.remove(stackName, this);
        traces.clear();
        all = false;
        refresh();
    }
}
