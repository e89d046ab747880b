package io.sipfleet.simulator.runtime;

import io.sipfleet.simulator.sip.JainSipSignalling;
import java.util.ArrayList;
import java.util.List;

/**
 * The simulator watching itself, wired: an {@link OverloadMonitor} over every place it can fall behind (the
 * phones' shards, the UDP send loops, the SIP stack's receive queue and timers, JVM pauses, datagrams the
 * kernel dropped on the phones' port), and the shards gated on the stack's receive queue, so that a timer
 * due after the oldest datagram still in the stack waits for it (at most 2 s, about as long as the stack's
 * bounded receive queue can hold an answer back): the §5 budget is kept on the wire's own instants.
 * The shards also start no phone task while the send loops are far behind (more than {@value #SEND_HIGH}
 * requests waiting on one, until all are below {@value #SEND_LOW}): when the phones ask for more than the
 * machine can send, they slow down together (and say so) instead of piling requests up until the heap is
 * gone.
 */
public final class SelfWatch implements AutoCloseable {
    static final long GATE_HOLD_NANOS = 2_000_000_000L;
    static final int SEND_HIGH = 500;
    static final int SEND_LOW = 100;
    private final OverloadMonitor monitor;
    private final JvmPauses pauses;

    private SelfWatch(OverloadMonitor monitor, JvmPauses pauses) {
        this.monitor = monitor;
        this.pauses = pauses;
    }

    /** Wires and starts it. */
    public static SelfWatch start(OverloadMonitor.Settings settings, ShardedScheduler shards,
                                  JainSipSignalling signalling) {
        List<LagSource> sources = new ArrayList<>();
        shards.shards().forEach(s -> sources.add(LagSource.of("shard", s)));
        signalling.sendLoops().forEach(s -> sources.add(LagSource.ofQueue("send", s)));
        signalling.timerLoop().ifPresent(t -> sources.add(LagSource.of("stack-timer", t)));
        signalling.receptionQueue().ifPresent(q -> {
            sources.add(new LagSource("stack-receive", "udp", q::backlogNanos));
            // as long as the stack's receive queue can hold answers back (20,000 datagrams: about 2 s of a storm)
            shards.gate(q::watermarkNanos, GATE_HOLD_NANOS);
        });
        SendBackpressure full = new SendBackpressure(signalling.sendLoops());
        shards.shards().forEach(s -> s.backpressure(full));
        JvmPauses pauses = new JvmPauses();
        sources.add(pauses.lagSource());
        UdpDrops kernel = new UdpDrops(signalling.settings().port());
        var queue = signalling.receptionQueue();
        // dropped by the kernel (socket buffer full) or by the stack's full receive queue: answers we lost
        OverloadMonitor m = new OverloadMonitor(settings, sources,
                () -> kernel.total() + queue.map(io.sipfleet.simulator.sip.ReceptionQueue::dropped).orElse(0L));
        // a request the phone decides now waits behind the send loops' backlog: the decision is marked at once
        signalling.sendLoops().forEach(s -> m.watchQueue(s::expectedWaitNanos));
        m.start();
        return new SelfWatch(m, pauses);
    }

    /** Whether any send loop is far behind, with hysteresis. */
    static final class SendBackpressure implements java.util.function.BooleanSupplier {
        private final List<TaskLoop> sends;
        private volatile boolean on;

        SendBackpressure(List<TaskLoop> sends) {
            this.sends = List.copyOf(sends);
        }

        @Override
        public boolean getAsBoolean() {
            int most = 0;
            for (TaskLoop s : sends) {
                most = Math.max(most, s.pending());
            }
            if (on) {
                if (most < SEND_LOW) {
                    on = false;
                }
            } else if (most > SEND_HIGH) {
                on = true;
            }
            return on;
        }
    }

    public OverloadMonitor monitor() {
        return monitor;
    }

    @Override
    public void close() {
        monitor.close();
        pauses.close();
    }
}
