package io.sipfleet.simulator.runtime;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The loop under the phones' shards: order by due instant, the control lane, lateness, the gate. */
class TaskLoopTest {
    private final TaskLoop loop = new TaskLoop("test-loop");
    private final List<String> ran = new CopyOnWriteArrayList<>();

    @AfterEach
    void close() {
        loop.close();
    }

    /** Holds the loop busy until the latch opens (a stalled shard). */
    private CountDownLatch stall() throws InterruptedException {
        CountDownLatch release = new CountDownLatch(1);
        CountDownLatch busy = new CountDownLatch(1);
        loop.execute(() -> {
            busy.countDown();
            try {
                release.await(5, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        assertThat(busy.await(5, TimeUnit.SECONDS)).isTrue();
        return release;
    }

    @Test
    void whenBehindItRunsWhatHappenedFirstFirstNotWhatWasHandedOverFirst() throws Exception {
        CountDownLatch release = stall();
        long t0 = System.nanoTime();
        loop.schedule(1_000_000, () -> ran.add("timer due at +1 ms"));
        Thread.sleep(2);
        loop.execute(() -> ran.add("handed over at +2 ms"));
        // a response that came off the socket before the timer was due, handed over after it
        loop.executeAt(t0 + 500_000, () -> ran.add("received at +0.5 ms"));
        release.countDown();
        await().atMost(Duration.ofSeconds(5)).until(() -> ran.size() == 3);
        assertThat(ran).containsExactly("received at +0.5 ms", "timer due at +1 ms", "handed over at +2 ms");
    }

    @Test
    void controlTasksOvertakeABacklogOfPhoneWork() throws Exception {
        CountDownLatch release = stall();
        for (int i = 0; i < 1_000; i++) {
            loop.execute(() -> ran.add("phone"));
        }
        loop.control(() -> ran.add("command"));
        release.countDown();
        await().atMost(Duration.ofSeconds(5)).until(() -> ran.size() == 1_001);
        assertThat(ran.get(0)).isEqualTo("command");
    }

    @Test
    void itKnowsHowLateATaskStartedAndHowLongADueTaskIsHeldUp() throws Exception {
        loop.takeMaxLateNanos();
        CountDownLatch release = stall();
        AtomicLong lateSeenByTask = new AtomicLong(-1);
        loop.schedule(0, () -> lateSeenByTask.set(TaskLoop.currentLatenessNanos()));
        Thread.sleep(60);
        assertThat(loop.stalledNanos()).as("a due task waits behind the stalled one").isGreaterThan(40_000_000L);
        release.countDown();
        await().atMost(Duration.ofSeconds(5)).until(() -> lateSeenByTask.get() >= 0);
        assertThat(lateSeenByTask.get()).as("the task itself knows it started late").isGreaterThan(50_000_000L);
        assertThat(loop.takeMaxLateNanos()).isGreaterThanOrEqualTo(lateSeenByTask.get());
        assertThat(loop.takeMaxLateNanos()).as("taken: reset").isLessThan(50_000_000L);
        assertThat(loop.stalledNanos()).isZero();
    }

    @Test
    void aClosedGateHoldsTasksDueAfterItUntilItOpens() throws Exception {
        AtomicLong openUntil = new AtomicLong(System.nanoTime() - 1);
        loop.gate(openUntil::get, TimeUnit.SECONDS.toNanos(5));
        CountDownLatch done = new CountDownLatch(1);
        loop.schedule(1_000_000, done::countDown);
        assertThat(done.await(100, TimeUnit.MILLISECONDS)).as("held: a datagram received before it is not handed over").isFalse();
        openUntil.set(Long.MAX_VALUE); // everything received has been handed over
        assertThat(done.await(2, TimeUnit.SECONDS)).isTrue();
        assertThat(loop.gatedNanos()).isPositive();
    }

    @Test
    void aGateStuckClosedHoldsATaskNoLongerThanTheBound() throws Exception {
        loop.gate(() -> System.nanoTime() - TimeUnit.SECONDS.toNanos(10), TimeUnit.MILLISECONDS.toNanos(50));
        long t0 = System.nanoTime();
        CountDownLatch done = new CountDownLatch(1);
        loop.schedule(0, done::countDown);
        assertThat(done.await(2, TimeUnit.SECONDS)).isTrue();
        assertThat(System.nanoTime() - t0).isBetween(TimeUnit.MILLISECONDS.toNanos(45), TimeUnit.SECONDS.toNanos(1));
    }

    @Test
    void aCancelledTaskNeverRunsAndHoldsNothing() throws Exception {
        TaskLoop.Task t = loop.schedule(TimeUnit.MILLISECONDS.toNanos(20), () -> ran.add("cancelled"));
        t.cancel();
        assertThat(t.runnable).isNull();
        CountDownLatch after = new CountDownLatch(1);
        loop.schedule(TimeUnit.MILLISECONDS.toNanos(40), after::countDown);
        assertThat(after.await(2, TimeUnit.SECONDS)).isTrue();
        assertThat(ran).isEmpty();
    }

    @Test
    void manyTimersCancelledOnTheLoopAreSweptAndTheRestStillRun() throws Exception {
        CountDownLatch done = new CountDownLatch(1);
        loop.execute(() -> {
            for (int i = 0; i < 20_000; i++) {
                loop.schedule(TimeUnit.SECONDS.toNanos(60), () -> ran.add("never")).cancel();
            }
            loop.schedule(TimeUnit.MILLISECONDS.toNanos(5), done::countDown);
        });
        assertThat(done.await(5, TimeUnit.SECONDS)).isTrue();
        assertThat(ran).isEmpty();
    }

    @Test
    void underBackpressureOnlyControlTasksRunUntilItEases() throws Exception {
        java.util.concurrent.atomic.AtomicBoolean full = new java.util.concurrent.atomic.AtomicBoolean(true);
        loop.backpressure(full::get);
        CountDownLatch phoneWork = new CountDownLatch(1);
        CountDownLatch command = new CountDownLatch(1);
        loop.execute(phoneWork::countDown);
        loop.control(command::countDown);
        assertThat(command.await(2, TimeUnit.SECONDS)).as("a command still runs").isTrue();
        assertThat(phoneWork.await(100, TimeUnit.MILLISECONDS)).as("held while what it feeds is full").isFalse();
        assertThat(loop.pending()).isEqualTo(1);
        full.set(false);
        assertThat(phoneWork.await(2, TimeUnit.SECONDS)).isTrue();
        assertThat(loop.pressedNanos()).isPositive();
        await().atMost(Duration.ofSeconds(2)).until(() -> loop.pending() == 0);
    }

    @Test
    void aTaskThatThrowsDoesNotStopTheLoop() throws Exception {
        loop.execute(() -> {
            throw new IllegalStateException("a phone's bug");
        });
        CountDownLatch next = new CountDownLatch(1);
        loop.execute(next::countDown);
        assertThat(next.await(2, TimeUnit.SECONDS)).isTrue();
    }

    @Test
    void itEstimatesHowLongNewWorkWouldWaitFromWhatTasksCostAndHowManyWait() throws Exception {
        // tasks of 2 ms each teach it what a task costs here
        CountDownLatch learnt = new CountDownLatch(40);
        for (int i = 0; i < 40; i++) {
            loop.execute(() -> {
                long until = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(2);
                while (System.nanoTime() < until) {
                    Thread.onSpinWait();
                }
                learnt.countDown();
            });
        }
        assertThat(learnt.await(5, TimeUnit.SECONDS)).isTrue();
        assertThat(loop.expectedWaitNanos()).as("nothing waiting").isZero();
        CountDownLatch release = stall();
        for (int i = 0; i < 10; i++) {
            loop.execute(() -> ran.add("queued"));
        }
        // ten tasks of about 2 ms (the average weighs recent tasks most: at least 1 ms each by now)
        assertThat(loop.expectedWaitNanos()).isBetween(TimeUnit.MILLISECONDS.toNanos(10),
                TimeUnit.MILLISECONDS.toNanos(40));
        release.countDown();
        org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(5)).until(() -> ran.size() == 10);
    }
}
