package io.sipfleet.simulator.runtime;

import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.LongSupplier;

/**
 * Watches the simulator's own lag, all the time, and says when it is too far behind its own work for
 * its verdicts about servers to be trusted.
 *
 * <p>It samples every {@link LagSource} (how late each shard runs phone tasks, how late UDP sends leave,
 * how long received datagrams wait in the SIP stack, how late the stack's own timers fire, JVM-wide
 * pauses) and the datagrams the kernel dropped on the phones' socket. A lag above the threshold
 * (by default 10% of T1: enough to distort a §5 budget) or any drop makes the simulator
 * <em>overloaded</em>; it stays so until every lag has been below the threshold, with no drop, for the
 * recovery time. While it is overloaded, every event the phones decide carries {@code overloaded}
 * ({@link #overloadedNow()}), readiness is DOWN and the reasons are shown.
 *
 * <p>{@link #sample(long, long)} does one round and is what tests call on their own clock; {@link #start()}
 * runs it on a thread every sample period.
 */
public final class OverloadMonitor implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger(OverloadMonitor.class.getName());

    /**
     * @param threshold lag that makes the simulator overloaded (10% of T1 by default)
     * @param recovery  how long every lag must stay below it before the simulator is no longer overloaded
     * @param sample    how often the sources are sampled
     */
    public record Settings(Duration threshold, Duration recovery, Duration sample) {
        public Settings {
            if (threshold.isNegative() || threshold.isZero()) {
                throw new IllegalArgumentException("the overload threshold must be positive, got " + threshold);
            }
            if (recovery.isNegative()) {
                throw new IllegalArgumentException("the overload recovery must not be negative, got " + recovery);
            }
            if (sample.isNegative() || sample.isZero()) {
                throw new IllegalArgumentException("the overload sample period must be positive, got " + sample);
            }
        }

        /** The defaults for a T1: threshold 10% of T1, recovery 1 s, a sample every 20 ms. */
        public static Settings forT1(long t1Ms) {
            return new Settings(Duration.ofNanos(Math.max(1_000_000L, t1Ms * 100_000L)), Duration.ofSeconds(1),
                    Duration.ofMillis(20));
        }
    }

    /** What the watch says now. Times in ms; {@code since} and {@code lastOverloadedAt} are epoch ms or null. */
    public record Status(boolean overloaded, Long since, List<String> reasons, double thresholdMs,
                         double lagMs, Map<String, Double> lagByKindMs, double maxLagMs, String maxLagSource,
                         Long maxLagAt, long episodes, double overloadedSeconds, Long lastOverloadedAt,
                         long receiveDrops, long markedEvents) {}

    /** Told when the state changes (on the watch's thread). */
    public interface Listener {
        void changed(Status status);
    }

    private final Settings settings;
    private final List<LagSource> sources;
    private final LongSupplier drops;
    private final long thresholdNanos;
    private final int window;
    /** Recent samples per source (ring of one second), for the current lag. */
    private final long[][] recent;
    private int ring;
    private final List<Listener> listeners = new java.util.concurrent.CopyOnWriteArrayList<>();

    private volatile boolean overloaded;
    private volatile double workLag;
    private volatile Status status;
    private long since;
    private long belowSinceNanos = Long.MIN_VALUE;
    private final Map<String, Long> episodeWorst = new LinkedHashMap<>();
    private long episodes;
    private long overloadedNanos;
    private long enteredNanos;
    private Long lastOverloadedAt;
    private long maxLag;
    private String maxLagSource;
    private Long maxLagAt;
    private long dropsSeen = -1;
    private long dropsReadAt;
    private boolean dropsRead;
    private static final long DROPS_EVERY_NANOS = 250_000_000L;
    private long dropsTotal;
    private long lastWarnNanos = Long.MIN_VALUE;
    /** Whether the start of this episode was logged (episodes closer than 10 s are counted, not logged each). */
    private boolean episodeLogged;
    private long unloggedEpisodes;
    private final java.util.concurrent.atomic.AtomicLong marked = new java.util.concurrent.atomic.AtomicLong();
    private final List<LongSupplier> queues = new java.util.concurrent.CopyOnWriteArrayList<>();
    private Thread thread;
    private volatile boolean running;

    /**
     * @param sources the lags to watch
     * @param drops   datagrams the kernel dropped on the phones' socket so far (a counter), or null
     */
    public OverloadMonitor(Settings settings, List<LagSource> sources, LongSupplier drops) {
        this.settings = settings;
        this.sources = List.copyOf(sources);
        this.drops = drops;
        this.thresholdNanos = settings.threshold().toNanos();
        this.window = (int) Math.max(1, Duration.ofSeconds(1).toNanos() / settings.sample().toNanos());
        this.recent = new long[this.sources.size()][window];
        this.status = new Status(false, null, List.of(), ms(thresholdNanos), 0, Map.of(), 0, null, null, 0, 0, null,
                0, 0);
    }

    public Settings settings() {
        return settings;
    }

    public long thresholdNanos() {
        return thresholdNanos;
    }

    public void addListener(Listener l) {
        listeners.add(l);
    }

    /** Whether the simulator is overloaded now. */
    public boolean overloaded() {
        return overloaded;
    }

    /**
     * Whether a decision taken now, on the calling thread, must be marked {@code overloaded}: the
     * simulator is overloaded, or the task deciding started later than the threshold.
     */
    public boolean overloadedNow() {
        if (overloaded || TaskLoop.currentLatenessNanos() > thresholdNanos) {
            return true;
        }
        for (LongSupplier q : queues) {
            if (q.getAsLong() > thresholdNanos) {
                return true; // what the phone sends now leaves later than the threshold
            }
        }
        return false;
    }

    /**
     * A queue that a phone's decision goes through before it is on the wire (a send loop): while what is
     * handed to it now would wait longer than the threshold, decisions are marked at once, before the
     * sampled lag says so.
     */
    public void watchQueue(LongSupplier expectedWaitNanos) {
        queues.add(expectedWaitNanos);
    }

    /** Counts an event marked {@code overloaded}. */
    public void marked() {
        marked.incrementAndGet();
    }

    public Status status() {
        return status;
    }

    /**
     * How far behind the simulator's work queues are now (ms): the worst lag of the shards, the sends and
     * the SIP stack over the last 100 ms, JVM-wide pauses left out (a GC pause is not a queue that a slower
     * ramp would shorten). What paces ramps.
     */
    public double workLagMs() {
        return workLag;
    }

    /** Samples every source once. {@code nowNanos} is System.nanoTime() (or a test's clock), {@code nowMillis} epoch ms. */
    public synchronized void sample(long nowNanos, long nowMillis) {
        List<String> over = new ArrayList<>();
        long worst = 0;
        Map<String, Double> byKind = new LinkedHashMap<>();
        for (int i = 0; i < sources.size(); i++) {
            LagSource s = sources.get(i);
            long lag = Math.max(0, s.lag().getAsLong());
            recent[i][ring] = lag;
            long recentMax = 0;
            for (long v : recent[i]) {
                recentMax = Math.max(recentMax, v);
            }
            byKind.merge(s.kind(), ms(recentMax), Math::max);
            worst = Math.max(worst, recentMax);
            if (lag > maxLag) {
                maxLag = lag;
                maxLagSource = s.kind() + " " + s.name();
                maxLagAt = nowMillis;
            }
            if (lag > thresholdNanos) {
                String key = s.kind() + " " + s.name();
                episodeWorst.merge(key, lag, Math::max);
                over.add(key);
            }
        }
        long work = 0;
        int recentSamples = (int) Math.max(1, Math.min(window, 100_000_000L / settings.sample().toNanos()));
        for (int i = 0; i < sources.size(); i++) {
            if (sources.get(i).kind().equals("jvm-pause")) {
                continue;
            }
            for (int k = 0; k < recentSamples; k++) {
                work = Math.max(work, recent[i][Math.floorMod(ring - k, window)]);
            }
        }
        workLag = ms(work);
        ring = (ring + 1) % window;
        long newDrops = 0;
        if (drops != null && (!dropsRead || nowNanos - dropsReadAt >= DROPS_EVERY_NANOS)) { // a file read: not every sample
            dropsRead = true;
            dropsReadAt = nowNanos;
            long d = drops.getAsLong();
            if (dropsSeen >= 0 && d > dropsSeen) {
                newDrops = d - dropsSeen;
                dropsTotal += newDrops;
                episodeWorst.merge("drops", newDrops, Long::sum);
                over.add("drops");
            }
            dropsSeen = d;
        }
        boolean wasOverloaded = overloaded;
        if (!over.isEmpty()) {
            belowSinceNanos = Long.MIN_VALUE;
            if (!wasOverloaded) {
                overloaded = true;
                since = nowMillis;
                enteredNanos = nowNanos;
                episodes++;
            }
            lastOverloadedAt = nowMillis;
        } else if (wasOverloaded) {
            if (belowSinceNanos == Long.MIN_VALUE) {
                belowSinceNanos = nowNanos;
            }
            if (nowNanos - belowSinceNanos >= settings.recovery().toNanos()) {
                overloaded = false;
                overloadedNanos += nowNanos - enteredNanos;
            }
        }
        long totalOverloaded = overloadedNanos + (overloaded ? nowNanos - enteredNanos : 0);
        List<String> reasons = reasons();
        status = new Status(overloaded, overloaded ? since : null, overloaded ? reasons : List.of(),
                ms(thresholdNanos), ms(worst), byKind, ms(maxLag), maxLagSource, maxLagAt, episodes,
                totalOverloaded / 1e9, lastOverloadedAt, dropsTotal, marked.get());
        if (overloaded && !wasOverloaded) {
            episodeLogged = lastWarnNanos == Long.MIN_VALUE || nowNanos - lastWarnNanos > 10_000_000_000L;
            if (episodeLogged) {
                lastWarnNanos = nowNanos;
                LOG.log(System.Logger.Level.WARNING, "sipfleet is OVERLOADED: " + String.join("; ", reasons)
                        + " (threshold " + fmt(thresholdNanos) + " ms). Until this clears, readiness is DOWN and every "
                        + "failover and failure the phones decide is marked \"overloaded\": it may be this "
                        + "simulator's lag, not the server's."
                        + (unloggedEpisodes > 0 ? " (" + unloggedEpisodes + " shorter episodes since the last "
                        + "message were not logged one by one; GET /api/status counts them all)" : ""));
                unloggedEpisodes = 0;
            } else {
                unloggedEpisodes++;
            }
        } else if (overloaded && nowNanos - lastWarnNanos > 10_000_000_000L) {
            lastWarnNanos = nowNanos;
            LOG.log(System.Logger.Level.WARNING, "sipfleet is still OVERLOADED (since "
                    + java.time.Instant.ofEpochMilli(since) + "): " + String.join("; ", reasons));
        } else if (!overloaded && wasOverloaded) {
            if (episodeLogged) {
                LOG.log(System.Logger.Level.WARNING, "sipfleet is no longer overloaded, after "
                        + String.format(Locale.ROOT, "%.1f", (nowMillis - since) / 1000.0) + " s: "
                        + String.join("; ", reasons));
            }
            episodeWorst.clear();
        }
        if (overloaded != wasOverloaded) {
            for (Listener l : listeners) {
                try {
                    l.changed(status);
                } catch (RuntimeException e) {
                    LOG.log(System.Logger.Level.WARNING, "overload listener failed", e);
                }
            }
        }
    }

    private List<String> reasons() {
        List<String> out = new ArrayList<>();
        for (Map.Entry<String, Long> e : episodeWorst.entrySet()) {
            if (e.getKey().equals("drops")) {
                out.add(e.getValue() + " datagrams to the phones dropped (the socket's buffer or the stack's receive queue was full)");
            } else {
                out.add(e.getKey() + " up to " + fmt(e.getValue()) + " ms late");
            }
        }
        return out;
    }

    /**
     * Forgets what was seen so far (after the warm-up at start, whose cold lag says nothing of the run to
     * come): not overloaded, no episodes, no worst lag.
     */
    public synchronized void reset() {
        overloaded = false;
        belowSinceNanos = Long.MIN_VALUE;
        episodeWorst.clear();
        episodes = 0;
        overloadedNanos = 0;
        lastOverloadedAt = null;
        maxLag = 0;
        maxLagSource = null;
        maxLagAt = null;
        dropsTotal = 0;
        marked.set(0);
        for (long[] r : recent) {
            java.util.Arrays.fill(r, 0);
        }
        status = new Status(false, null, List.of(), ms(thresholdNanos), 0, Map.of(), 0, null, null, 0, 0, null, 0, 0);
    }

    /** Samples on a thread of its own every sample period. */
    public synchronized void start() {
        if (thread != null) {
            return;
        }
        running = true;
        long period = settings.sample().toNanos();
        thread = new Thread(() -> {
            long next = System.nanoTime();
            while (running) {
                next += period;
                java.util.concurrent.locks.LockSupport.parkNanos(Math.max(0, next - System.nanoTime()));
                try {
                    sample(System.nanoTime(), System.currentTimeMillis());
                } catch (RuntimeException e) {
                    LOG.log(System.Logger.Level.WARNING, "overload sample failed", e);
                }
                if (System.nanoTime() - next > period) {
                    next = System.nanoTime(); // we were late ourselves: do not catch up in a burst
                }
            }
        }, "sipfleet-overload-watch");
        thread.setDaemon(true);
        thread.start();
    }

    @Override
    public void close() {
        running = false;
        Thread t = thread;
        if (t != null) {
            java.util.concurrent.locks.LockSupport.unpark(t);
        }
    }

    private static double ms(long nanos) {
        return Math.round(nanos / 10_000.0) / 100.0;
    }

    private static String fmt(long nanos) {
        return String.format(Locale.ROOT, "%.1f", nanos / 1e6);
    }
}
