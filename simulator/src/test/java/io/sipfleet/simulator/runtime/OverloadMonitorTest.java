package io.sipfleet.simulator.runtime;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/** The overload watch, sampled on a test's own clock: threshold, recovery, reasons, drops, marking. */
class OverloadMonitorTest {
    private static final long MS = 1_000_000L;
    private final AtomicLong shardLag = new AtomicLong();
    private final AtomicLong receiveLag = new AtomicLong();
    private final AtomicLong drops = new AtomicLong();
    /** T1 = 500 ms: threshold 50 ms; recovery 1 s; a sample every 20 ms. */
    private final OverloadMonitor watch = new OverloadMonitor(OverloadMonitor.Settings.forT1(500),
            List.of(new LagSource("shard", "sipfleet-phones-2", shardLag::get),
                    new LagSource("stack-receive", "udp", receiveLag::get)), drops::get);
    private long nanos;
    private long millis = 1_800_000_000_000L;

    private void sampleFor(long durationMs) {
        for (long t = 0; t < durationMs; t += 20) {
            nanos += 20 * MS;
            millis += 20;
            watch.sample(nanos, millis);
        }
    }

    @Test
    void theDefaultThresholdIsTenPercentOfT1() {
        assertThat(OverloadMonitor.Settings.forT1(500).threshold()).isEqualTo(Duration.ofMillis(50));
        assertThat(OverloadMonitor.Settings.forT1(50).threshold()).isEqualTo(Duration.ofMillis(5));
    }

    @Test
    void aLagBelowTheThresholdIsNotAnOverload() {
        shardLag.set(49 * MS);
        sampleFor(500);
        assertThat(watch.overloaded()).isFalse();
        assertThat(watch.status().lagMs()).isEqualTo(49.0);
        assertThat(watch.status().episodes()).isZero();
    }

    @Test
    void aLagAboveTheThresholdIsAnOverloadWithItsReasonAndItsStart() {
        sampleFor(100);
        long before = millis;
        shardLag.set(73 * MS);
        sampleFor(20);
        OverloadMonitor.Status s = watch.status();
        assertThat(s.overloaded()).isTrue();
        assertThat(s.since()).isEqualTo(before + 20);
        assertThat(s.reasons()).containsExactly("shard sipfleet-phones-2 up to 73.0 ms late");
        assertThat(s.lagByKindMs()).containsEntry("shard", 73.0);
        assertThat(s.maxLagMs()).isEqualTo(73.0);
        assertThat(s.maxLagSource()).isEqualTo("shard sipfleet-phones-2");
        assertThat(s.episodes()).isEqualTo(1);
    }

    @Test
    void itRecoversOnlyAfterEveryLagStayedBelowTheThresholdForTheRecoveryTime() {
        receiveLag.set(120 * MS);
        sampleFor(40);
        assertThat(watch.overloaded()).isTrue();
        receiveLag.set(0);
        sampleFor(980);
        assertThat(watch.overloaded()).as("below for less than 1 s").isTrue();
        receiveLag.set(60 * MS); // once more above: the recovery starts again
        sampleFor(20);
        receiveLag.set(0);
        sampleFor(980);
        assertThat(watch.overloaded()).isTrue();
        sampleFor(40);
        assertThat(watch.overloaded()).isFalse();
        assertThat(watch.status().since()).isNull();
        assertThat(watch.status().reasons()).isEmpty();
        assertThat(watch.status().episodes()).isEqualTo(1);
        assertThat(watch.status().overloadedSeconds()).isBetween(2.0, 2.1);
        assertThat(watch.status().maxLagMs()).isEqualTo(120.0);
    }

    @Test
    void datagramsTheKernelDroppedAreAnOverload() {
        drops.set(7); // dropped before the watch started: not counted
        sampleFor(100);
        assertThat(watch.overloaded()).isFalse();
        drops.set(19);
        sampleFor(260); // the kernel's table is read four times a second
        assertThat(watch.overloaded()).isTrue();
        assertThat(watch.status().receiveDrops()).isEqualTo(12);
        assertThat(watch.status().reasons()).containsExactly(
                "12 datagrams to the phones dropped (the socket's buffer or the stack's receive queue was full)");
    }

    @Test
    void listenersHearBothChanges() {
        List<Boolean> heard = new java.util.concurrent.CopyOnWriteArrayList<>();
        watch.addListener(s -> heard.add(s.overloaded()));
        shardLag.set(200 * MS);
        sampleFor(100);
        shardLag.set(0);
        sampleFor(1_100);
        assertThat(heard).containsExactly(true, false);
    }

    @Test
    void aDecisionIsMarkedWhenOverloadedOrWhenItsOwnTaskStartedLate() throws Exception {
        assertThat(watch.overloadedNow()).isFalse();
        try (TaskLoop loop = new TaskLoop("marking")) {
            AtomicBoolean onTime = new AtomicBoolean(true);
            AtomicBoolean late = new AtomicBoolean(false);
            CountDownLatch done = new CountDownLatch(2);
            loop.execute(() -> {
                onTime.set(watch.overloadedNow());
                done.countDown();
            });
            // a task that ran 80 ms after it was due: its decision is marked though the watch has not sampled yet
            loop.executeAt(System.nanoTime() - 80 * MS, () -> {
                late.set(watch.overloadedNow());
                done.countDown();
            });
            assertThat(done.await(2, TimeUnit.SECONDS)).isTrue();
            assertThat(late.get()).isTrue();
        }
        shardLag.set(51 * MS);
        sampleFor(20);
        assertThat(watch.overloadedNow()).as("off a loop, while overloaded").isTrue();
    }

    @Test
    void aDecisionIsMarkedAtOnceWhileWhatItSendsWouldWaitPastTheThresholdInASendQueue() {
        AtomicLong sendWait = new AtomicLong(49 * MS);
        watch.watchQueue(sendWait::get);
        assertThat(watch.overloadedNow()).as("49 ms of sends queued, threshold 50 ms").isFalse();
        sendWait.set(51 * MS);
        assertThat(watch.overloadedNow()).as("51 ms queued: marked before any sample").isTrue();
        assertThat(watch.overloaded()).as("the sampled state is not changed by it").isFalse();
        sendWait.set(0);
        assertThat(watch.overloadedNow()).isFalse();
    }
}
