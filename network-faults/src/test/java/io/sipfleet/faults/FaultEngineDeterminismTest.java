package io.sipfleet.faults;

import static io.sipfleet.faults.Fixtures.request;
import static io.sipfleet.faults.Fixtures.spec;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

class FaultEngineDeterminismTest {
    private static final int PHONES = 10;
    private static final int PER_PHONE = 100;

    /** Phone i's packets in order: (phone, index within the phone). */
    private static List<int[]> phoneByPhone() {
        List<int[]> order = new ArrayList<>();
        for (int ph = 0; ph < PHONES; ph++) {
            for (int k = 0; k < PER_PHONE; k++) {
                order.add(new int[] {ph, k});
            }
        }
        return order;
    }

    /** A random interleaving of the phones that keeps each phone's own order. */
    private static List<int[]> shuffledAcrossPhones(long shuffleSeed) {
        List<Integer> slots = new ArrayList<>();
        for (int ph = 0; ph < PHONES; ph++) {
            for (int k = 0; k < PER_PHONE; k++) {
                slots.add(ph);
            }
        }
        Collections.shuffle(slots, new Random(shuffleSeed));
        int[] next = new int[PHONES];
        List<int[]> order = new ArrayList<>();
        for (int ph : slots) {
            order.add(new int[] {ph, next[ph]++});
        }
        return order;
    }

    /** Which (phone, index) packets were dropped by a 50% loss with {@code seed}, fed in {@code order}. */
    private static Map<String, Boolean> dropPattern(long seed, List<int[]> order, FaultSpec fault) {
        FaultEngine engine = Fixtures.engine(seed);
        engine.add(fault, 0);
        Map<String, Boolean> pattern = new HashMap<>();
        for (int[] pk : order) {
            Verdict v = engine.decide(request("phone-" + pk[0], "REGISTER"), 0);
            pattern.put(pk[0] + "/" + pk[1], v instanceof Verdict.Drop);
        }
        return pattern;
    }

    private static FaultSpec halfLoss() {
        return spec("loss").withName("loss-50").withProbability(0.5);
    }

    @Test
    void theSameSeedDropsTheSamePacketsHoweverPhonesInterleave() {
        Map<String, Boolean> inOrder = dropPattern(7, phoneByPhone(), halfLoss());
        assertThat(inOrder).hasSize(PHONES * PER_PHONE);
        assertThat(inOrder.values().stream().filter(b -> b).count()).isBetween(430L, 570L);
        assertThat(dropPattern(7, shuffledAcrossPhones(1), halfLoss())).isEqualTo(inOrder);
        assertThat(dropPattern(7, shuffledAcrossPhones(2), halfLoss())).isEqualTo(inOrder);
    }

    @Test
    void aDifferentSeedDropsADifferentPattern() {
        Map<String, Boolean> seven = dropPattern(7, phoneByPhone(), halfLoss());
        Map<String, Boolean> eight = dropPattern(8, phoneByPhone(), halfLoss());
        long differing = seven.keySet().stream().filter(k -> !seven.get(k).equals(eight.get(k))).count();
        assertThat(differing).isBetween(400L, 600L);
    }

    @Test
    void burstyLossIsAlsoIndependentOfTheInterleaving() {
        FaultSpec bursty = spec("loss", Map.of("model", "bursty", "meanBurst", 4)).withName("b").withProbability(0.3);
        assertThat(dropPattern(7, shuffledAcrossPhones(3), bursty)).isEqualTo(dropPattern(7, phoneByPhone(), bursty));
    }

    @Test
    void probabilityDrawsOfOtherTypesAreIndependentOfTheInterleavingToo() {
        FaultSpec half = spec("blackhole").withName("bh").withProbability(0.5);
        assertThat(dropPattern(11, shuffledAcrossPhones(4), half)).isEqualTo(dropPattern(11, phoneByPhone(), half));
    }

    @Test
    void aPhonesDecisionsDoNotDependOnWhichOtherPhonesExist() {
        Map<String, Boolean> all = dropPattern(7, phoneByPhone(), halfLoss());
        List<int[]> onlyPhone3 = new ArrayList<>();
        for (int k = 0; k < PER_PHONE; k++) {
            onlyPhone3.add(new int[] {3, k});
        }
        dropPattern(7, onlyPhone3, halfLoss()).forEach((k, v) -> assertThat(all.get(k)).as(k).isEqualTo(v));
    }

    @Test
    void independentLossRateIsTheProbability() {
        FaultEngine engine = Fixtures.engine(21);
        engine.add(spec("loss").withName("l").withProbability(0.3), 0);
        int dropped = 0;
        for (int i = 0; i < 10_000; i++) {
            dropped += engine.decide(request("phone-" + (i % 20), "REGISTER"), 0) instanceof Verdict.Drop ? 1 : 0;
        }
        assertThat(dropped / 10_000.0).isBetween(0.3 * 0.95, 0.3 * 1.05);
        assertThat(engine.get("l", 0).orElseThrow().counters())
                .isEqualTo(new Fault.Counters(10_000, dropped, 0, 0, 0, 0, 0));
    }

    @Test
    void burstyLossHasTheMeanRateAndMeanBurstLengthAskedFor() {
        double rate = 0.2;
        double meanBurst = 3;
        FaultEngine engine = Fixtures.engine(5);
        engine.add(spec("loss", Map.of("model", "bursty", "meanBurst", meanBurst)).withName("l").withProbability(rate), 0);
        int phones = 20;
        int perPhone = 5000;
        long dropped = 0;
        long bursts = 0;
        for (int ph = 0; ph < phones; ph++) {
            boolean inBurst = false;
            for (int k = 0; k < perPhone; k++) {
                boolean drop = engine.decide(request("phone-" + ph, "REGISTER"), 0) instanceof Verdict.Drop;
                if (drop) {
                    dropped++;
                    if (!inBurst) {
                        bursts++;
                    }
                }
                inBurst = drop;
            }
        }
        double meanRate = dropped / (double) (phones * perPhone);
        double meanBurstSeen = dropped / (double) bursts;
        assertThat(meanRate).isBetween(rate * 0.8, rate * 1.2);
        assertThat(meanBurstSeen).isBetween(meanBurst * 0.8, meanBurst * 1.2);
    }

    @Test
    void burstyLossKeepsItsChainPerFlow() {
        // one phone's losses do not depend on another phone's packets in between
        FaultSpec bursty = spec("loss", Map.of("model", "bursty")).withName("b").withProbability(0.4);
        Map<String, Boolean> both = dropPattern(9, shuffledAcrossPhones(5), bursty);
        List<int[]> onlyPhone0 = new ArrayList<>();
        for (int k = 0; k < PER_PHONE; k++) {
            onlyPhone0.add(new int[] {0, k});
        }
        dropPattern(9, onlyPhone0, bursty).forEach((k, v) -> assertThat(both.get(k)).as(k).isEqualTo(v));
    }

    @Test
    void jitterIsReproducibleWithTheSeed() {
        List<Long> first = delays(3);
        assertThat(delays(3)).isEqualTo(first);
        assertThat(delays(4)).isNotEqualTo(first);
    }

    private static List<Long> delays(long seed) {
        FaultEngine engine = Fixtures.engine(seed);
        engine.add(spec("delay", Map.of("ms", 100, "jitterMs", 80)).withName("d"), 0);
        List<Long> out = new ArrayList<>();
        for (int i = 0; i < 50; i++) {
            out.add(((Verdict.Delay) engine.decide(request("phone-" + (i % 3), "REGISTER"), 0)).millis());
        }
        return out;
    }
}
