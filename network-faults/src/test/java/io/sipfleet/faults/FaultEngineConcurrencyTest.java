package io.sipfleet.faults;

import static io.sipfleet.faults.Fixtures.request;
import static io.sipfleet.faults.Fixtures.spec;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class FaultEngineConcurrencyTest {
    private static final int THREADS = 4;
    private static final int PER_THREAD = 20_000;

    @Test
    void fourThreadsDecidingAtOnceKeepCountersExactAndDecisionsReproducible() throws Exception {
        FaultEngine engine = Fixtures.engine(13);
        engine.add(spec("blackhole").withName("f").withProbability(0.5), 0);
        ExecutorService pool = Executors.newFixedThreadPool(THREADS);
        CountDownLatch start = new CountDownLatch(1);
        try {
            List<Future<boolean[]>> results = new ArrayList<>();
            for (int t = 0; t < THREADS; t++) {
                int thread = t;
                results.add(pool.submit(() -> {
                    start.await();
                    boolean[] dropped = new boolean[PER_THREAD];
                    for (int i = 0; i < PER_THREAD; i++) {
                        // each thread its own 10 phones, so each phone's packets stay in order
                        String phone = "t" + thread + "-p" + (i % 10);
                        dropped[i] = engine.decide(request(phone, "REGISTER"), 0) instanceof Verdict.Drop;
                    }
                    return dropped;
                }));
            }
            start.countDown();
            long drops = 0;
            List<boolean[]> concurrent = new ArrayList<>();
            for (Future<boolean[]> f : results) {
                boolean[] d = f.get(60, TimeUnit.SECONDS);
                concurrent.add(d);
                for (boolean b : d) {
                    drops += b ? 1 : 0;
                }
            }
            Fault.Counters c = engine.get("f", 0).orElseThrow().counters();
            assertThat(c.matched()).isEqualTo((long) THREADS * PER_THREAD);
            assertThat(c.dropped()).isEqualTo(drops);

            // the same packets one thread at a time give the same decisions
            FaultEngine sequential = Fixtures.engine(13);
            sequential.add(spec("blackhole").withName("f").withProbability(0.5), 0);
            for (int t = THREADS - 1; t >= 0; t--) {
                for (int i = 0; i < PER_THREAD; i++) {
                    boolean d = sequential.decide(request("t" + t + "-p" + (i % 10), "REGISTER"), 0)
                            instanceof Verdict.Drop;
                    assertThat(d).as("thread %d packet %d", t, i).isEqualTo(concurrent.get(t)[i]);
                }
            }
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void addingAndRemovingWhileDecidingNeverBreaksDecide() throws Exception {
        FaultEngine engine = Fixtures.engine(1);
        ExecutorService pool = Executors.newFixedThreadPool(2);
        try {
            Future<Integer> decider = pool.submit(() -> {
                int n = 0;
                for (int i = 0; i < 50_000; i++) {
                    engine.decide(request("p" + (i % 5), "REGISTER"), 0);
                    n++;
                }
                return n;
            });
            Future<?> mutator = pool.submit(() -> {
                for (int i = 0; i < 2_000; i++) {
                    engine.add(spec("delay", java.util.Map.of("ms", 1)).withName("d" + i), 0);
                    if (i % 2 == 0) {
                        engine.remove("d" + i);
                    }
                }
            });
            mutator.get(60, TimeUnit.SECONDS);
            assertThat(decider.get(60, TimeUnit.SECONDS)).isEqualTo(50_000);
            assertThat(engine.list(0)).hasSize(1_000);
        } finally {
            pool.shutdownNow();
        }
    }
}
