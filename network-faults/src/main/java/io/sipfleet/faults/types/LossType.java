package io.sipfleet.faults.types;

import io.sipfleet.faults.Direction;
import io.sipfleet.faults.Packet;
import io.sipfleet.faults.Verdict;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.random.RandomGenerator;

/**
 * {@code loss}: matched packets are lost at the fault's probability, independently or in bursts.
 *
 * <p>This type {@linkplain #ownsProbability() owns the probability}: the engine does not draw
 * against it but passes it to {@link #create(Map, Direction, double)} as the loss rate.
 *
 * <ul>
 *   <li>{@code model=independent} (default): each packet is lost with probability {@code rate},
 *       one draw per packet.
 *   <li>{@code model=bursty}: a Gilbert-Elliott chain per flow (phone, server, flow direction)
 *       with a good state (nothing lost) and a bad state (everything lost). With
 *       {@code r = 1/meanBurst} (bad to good) and {@code p = rate*r/(1-rate)} (good to bad), the
 *       long-run loss rate is {@code rate} and bursts last {@code meanBurst} packets on average
 *       (geometrically distributed). A flow's first packet starts in the bad state with probability
 *       {@code rate} (the chain's stationary distribution), each later packet first moves the chain
 *       one step. {@code p <= 1} requires {@code meanBurst >= rate/(1-rate)}. The chain's state is
 *       kept per flow (one small object per flow seen, until the fault is removed); each flow's
 *       draws come from the engine's per-packet random, so a flow's losses are the same on every
 *       run with the same seed when its packets are asked about in the same order.
 * </ul>
 */
public final class LossType extends AbstractFaultType {
    public static final String NAME = "loss";

    public LossType() {
        super(NAME, "Loses matched packets at the fault's probability: independently per packet, or in bursts "
                        + "(Gilbert-Elliott, per flow) of meanBurst packets on average.",
                Direction.BOTH,
                "model", "independent (default): each packet lost with the fault's probability; "
                        + "bursty: the probability is the mean loss rate, losses come in bursts",
                "meanBurst", "bursty only: the mean number of consecutive losses, >= 1 (default 3); "
                        + "must be at least probability/(1-probability)");
    }

    @Override
    public boolean ownsProbability() {
        return true;
    }

    /** Made without a probability, the loss rate is 1 (every packet lost). */
    @Override
    public Behaviour create(Map<String, Object> params, Direction direction) {
        return create(params, direction, 1.0);
    }

    @Override
    public Behaviour create(Map<String, Object> params, Direction direction, double probability) {
        Params ps = read(params);
        String model = ps.string("model", "independent").trim().toLowerCase(Locale.ROOT);
        double rate = probability;
        switch (model) {
            case "independent":
                if (ps.has("meanBurst")) {
                    throw ps.invalid("meanBurst", "meanBurst only applies to model bursty (this loss is independent)");
                }
                return (p, nowMs, random, faultId) -> random.nextDouble() < rate ? new Verdict.Drop(faultId)
                        : Verdict.PASS;
            case "bursty":
                double meanBurst = ps.number("meanBurst", 3, 1, 1e9);
                if (rate >= 1.0) {
                    return (p, nowMs, random, faultId) -> new Verdict.Drop(faultId);
                }
                if (rate <= 0.0) {
                    return (p, nowMs, random, faultId) -> Verdict.PASS;
                }
                double r = 1.0 / meanBurst;
                double pGoodToBad = rate * r / (1.0 - rate);
                if (pGoodToBad > 1.0) {
                    throw ps.invalid("meanBurst", String.format(Locale.ROOT,
                            "with a loss rate (probability) of %s, meanBurst must be at least %.3f "
                                    + "(rate/(1-rate)); got %s", rate, rate / (1.0 - rate), meanBurst));
                }
                return new Bursty(rate, pGoodToBad, r);
            default:
                throw ps.invalid("model", "model must be independent or bursty, not '" + model + "'");
        }
    }

    /** The Gilbert-Elliott behaviour; state per flow. */
    private static final class Bursty implements Behaviour {
        private final double rate;
        private final double goodToBad;
        private final double badToGood;
        private final ConcurrentHashMap<FlowKey, FlowState> flows = new ConcurrentHashMap<>();

        Bursty(double rate, double goodToBad, double badToGood) {
            this.rate = rate;
            this.goodToBad = goodToBad;
            this.badToGood = badToGood;
        }

        @Override
        public Verdict decide(Packet p, long nowMs, RandomGenerator random, String faultId) {
            FlowKey key = new FlowKey(p.phoneId(), p.server(), p.flow());
            FlowState s = flows.get(key);
            if (s == null) {
                FlowState fresh = new FlowState();
                s = flows.putIfAbsent(key, fresh);
                if (s == null) {
                    s = fresh;
                }
            }
            double u = random.nextDouble();
            boolean bad;
            synchronized (s) {
                if (!s.started) {
                    s.started = true;
                    s.bad = u < rate;
                } else if (s.bad) {
                    s.bad = !(u < badToGood);
                } else {
                    s.bad = u < goodToBad;
                }
                bad = s.bad;
            }
            return bad ? new Verdict.Drop(faultId) : Verdict.PASS;
        }
    }

    private record FlowKey(String phoneId, String server, Packet.Flow flow) {}

    private static final class FlowState {
        boolean started;
        boolean bad;
    }
}
