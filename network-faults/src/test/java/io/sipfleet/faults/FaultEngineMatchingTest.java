package io.sipfleet.faults;

import static io.sipfleet.faults.Fixtures.BACKUP;
import static io.sipfleet.faults.Fixtures.PRIMARY;
import static io.sipfleet.faults.Fixtures.connect;
import static io.sipfleet.faults.Fixtures.keepAlive;
import static io.sipfleet.faults.Fixtures.request;
import static io.sipfleet.faults.Fixtures.response;
import static io.sipfleet.faults.Fixtures.spec;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

class FaultEngineMatchingTest {
    private final FaultEngine engine = Fixtures.engine(1);
    private static final Verdict.Drop DROP = new Verdict.Drop("f");

    @Test
    void anEmptyEnginePassesEverythingAndSaysItIsInactive() {
        assertThat(engine.isEmpty()).isTrue();
        assertThat(engine.active()).isFalse();
        assertThat(engine.decide(request("p1", "REGISTER"), 0)).isEqualTo(Verdict.PASS);
        engine.add(spec("blackhole").withName("f"), 0);
        assertThat(engine.isEmpty()).isFalse();
        assertThat(engine.active()).isTrue();
    }

    @Test
    void aFaultOnOneServerLeavesTheOtherAlone() {
        engine.add(FaultSpec.of("blackhole", "primary").withName("f"), 0);
        assertThat(engine.decide(request(PRIMARY, "p1", "a", "V2", "REGISTER"), 0)).isEqualTo(DROP);
        assertThat(engine.decide(request(BACKUP, "p1", "a", "V2", "REGISTER"), 0)).isEqualTo(Verdict.PASS);
    }

    @Test
    void aFaultWithoutTargetHitsEveryServer() {
        engine.add(spec("blackhole").withName("f"), 0);
        assertThat(engine.decide(request(PRIMARY, "p1", "a", "V2", "REGISTER"), 0)).isEqualTo(DROP);
        assertThat(engine.decide(request("sip.example.com:5060", "p1", "a", "V2", "REGISTER"), 0)).isEqualTo(DROP);
    }

    @Test
    void aFleetSelectorLeavesOtherFleetsPass() {
        engine.add(spec("blackhole").withName("f").withPhones(new PhoneSelector.Fleet("a")), 0);
        assertThat(engine.decide(request(PRIMARY, "p1", "a", "V2", "REGISTER"), 0)).isEqualTo(DROP);
        assertThat(engine.decide(request(PRIMARY, "p2", "b", "V2", "REGISTER"), 0)).isEqualTo(Verdict.PASS);
        assertThat(engine.decide(request(PRIMARY, "p3", null, "V2", "REGISTER"), 0)).isEqualTo(Verdict.PASS);
    }

    @Test
    void anIdsSelectorLeavesOtherPhonesPass() {
        engine.add(spec("blackhole").withName("f").withPhones(new PhoneSelector.Ids(Set.of("p1", "p3"))), 0);
        assertThat(engine.decide(request("p1", "REGISTER"), 0)).isEqualTo(DROP);
        assertThat(engine.decide(request("p2", "REGISTER"), 0)).isEqualTo(Verdict.PASS);
        assertThat(engine.decide(request("p3", "REGISTER"), 0)).isEqualTo(DROP);
    }

    @Test
    void aModelSelectorLeavesOtherModelsPass() {
        engine.add(spec("blackhole").withName("f").withPhones(new PhoneSelector.Model("V3")), 0);
        assertThat(engine.decide(request(PRIMARY, "p1", "a", "v3", "REGISTER"), 0)).isEqualTo(DROP);
        assertThat(engine.decide(request(PRIMARY, "p2", "a", "V2", "REGISTER"), 0)).isEqualTo(Verdict.PASS);
        assertThat(engine.decide(request(PRIMARY, "p3", "a", null, "REGISTER"), 0)).isEqualTo(Verdict.PASS);
    }

    @Test
    void aTenPercentSampleHitsExactlyItsPhonesAndLeavesTheOthersPass() {
        PhoneSelector.Sample sample = new PhoneSelector.Sample(10, 99);
        engine.add(spec("blackhole").withName("f").withPhones(sample), 0);
        int hit = 0;
        for (int i = 0; i < 2000; i++) {
            String id = "phone-" + i;
            Verdict v = engine.decide(request(id, "REGISTER"), 0);
            assertThat(v).isEqualTo(sample.contains(id) ? DROP : Verdict.PASS);
            hit += v.equals(DROP) ? 1 : 0;
        }
        assertThat(hit).isBetween(150, 250);
    }

    @Test
    void aMethodsFilterHitsOnlyMessagesOfThoseMethodsIncludingTheirResponses() {
        engine.add(spec("blackhole").withName("f").withMethods(Set.of("register")), 0);
        assertThat(engine.decide(request("p1", "REGISTER"), 0)).isEqualTo(DROP);
        assertThat(engine.decide(response("p1", "REGISTER", 200), 0)).isEqualTo(DROP);
        assertThat(engine.decide(request("p1", "INVITE"), 0)).isEqualTo(Verdict.PASS);
        assertThat(engine.decide(keepAlive("p1"), 0)).isEqualTo(Verdict.PASS);
        assertThat(engine.decide(connect("p1"), 0)).isEqualTo(Verdict.PASS);
        assertThat(engine.get("f", 0).orElseThrow().counters().matched()).isEqualTo(2);
    }

    @Test
    void withoutMethodsEveryPacketMatchesKeepAlivesAndConnectsIncluded() {
        engine.add(spec("blackhole").withName("f"), 0);
        assertThat(engine.decide(keepAlive("p1"), 0)).isEqualTo(DROP);
        assertThat(engine.decide(connect("p1"), 0)).isEqualTo(DROP);
        assertThat(engine.decide(response("p1", "OPTIONS", 200), 0)).isEqualTo(DROP);
    }

    @Test
    void aToServerFaultLeavesPacketsFromTheServerAlone() {
        engine.add(spec("blackhole").withName("f").withDirection(Direction.TO_SERVER), 0);
        assertThat(engine.decide(request("p1", "REGISTER"), 0)).isEqualTo(DROP);
        assertThat(engine.decide(response("p1", "REGISTER", 200), 0)).isEqualTo(Verdict.PASS);
    }

    @Test
    void aFromServerFaultLeavesPacketsToTheServerAlone() {
        engine.add(spec("blackhole").withName("f").withDirection(Direction.FROM_SERVER), 0);
        assertThat(engine.decide(request("p1", "REGISTER"), 0)).isEqualTo(Verdict.PASS);
        assertThat(engine.decide(response("p1", "REGISTER", 200), 0)).isEqualTo(DROP);
    }

    @Test
    void withoutDirectionTheTypesDefaultApplies() {
        engine.add(spec("unreachable").withName("f"), 0);
        assertThat(engine.get("f", 0).orElseThrow().spec().direction()).isEqualTo(Direction.TO_SERVER);
        assertThat(engine.decide(request("p1", "REGISTER"), 0)).isEqualTo(new Verdict.Unreachable("f"));
        assertThat(engine.decide(response("p1", "REGISTER", 200), 0)).isEqualTo(Verdict.PASS);
    }

    @Test
    void startDelayAndDurationMakeAWindowExactToTheMillisecond() {
        engine.add(spec("blackhole").withName("f").withStartDelayMs(500).withDurationMs(2000), 1000);
        assertThat(engine.get("f", 1499).orElseThrow().state()).isEqualTo(Fault.State.PENDING);
        assertThat(engine.decide(request("p1", "REGISTER"), 1499)).isEqualTo(Verdict.PASS);
        assertThat(engine.get("f", 1500).orElseThrow().state()).isEqualTo(Fault.State.ACTIVE);
        assertThat(engine.decide(request("p1", "REGISTER"), 1500)).isEqualTo(DROP);
        assertThat(engine.get("f", 3499).orElseThrow().state()).isEqualTo(Fault.State.ACTIVE);
        assertThat(engine.decide(request("p1", "REGISTER"), 3499)).isEqualTo(DROP);
        assertThat(engine.get("f", 3500).orElseThrow().state()).isEqualTo(Fault.State.EXPIRED);
        assertThat(engine.decide(request("p1", "REGISTER"), 3500)).isEqualTo(Verdict.PASS);
        assertThat(engine.list(1_000_000)).singleElement()
                .satisfies(f -> assertThat(f.state()).isEqualTo(Fault.State.EXPIRED))
                .satisfies(f -> assertThat(f.counters().matched()).isEqualTo(2));
    }

    @Test
    void aFaultWithoutDelayIsActiveAtOnceAndWithoutDurationStaysActive() {
        engine.add(spec("blackhole").withName("f"), 1000);
        assertThat(engine.get("f", 1000).orElseThrow().state()).isEqualTo(Fault.State.ACTIVE);
        assertThat(engine.get("f", Long.MAX_VALUE - 1).orElseThrow().state()).isEqualTo(Fault.State.ACTIVE);
    }

    @Test
    void theFirstFaultThatActsWinsInTheOrderAdded() {
        engine.add(spec("respond", Map.of("status", 503)).withName("respond"), 0);
        engine.add(spec("delay", Map.of("ms", 50)).withName("delay"), 0);
        // respond acts on requests: it wins, delay is not asked
        assertThat(engine.decide(request("p1", "REGISTER"), 0))
                .isEqualTo(new Verdict.Respond("respond", 503, "Service Unavailable", null));
        // respond passes responses (and is from-server-blind anyway): delay decides
        assertThat(engine.decide(new Packet(Packet.Flow.TO_SERVER, Protocol.UDP, Packet.Kind.MESSAGE, PRIMARY, "p1",
                "a", "V2", "INVITE", 200), 0)).isEqualTo(new Verdict.Delay("delay", 50));
        assertThat(engine.get("respond", 0).orElseThrow().counters())
                .isEqualTo(new Fault.Counters(2, 0, 0, 0, 1, 0, 0));
        assertThat(engine.get("delay", 0).orElseThrow().counters())
                .isEqualTo(new Fault.Counters(1, 0, 1, 0, 0, 0, 0));
    }

    @Test
    void aFaultWhoseDrawMissesLetsTheNextOneDecide() {
        engine.add(spec("blackhole").withName("never").withProbability(0.0), 0);
        engine.add(spec("duplicate").withName("dup"), 0);
        assertThat(engine.decide(request("p1", "REGISTER"), 0)).isEqualTo(new Verdict.Duplicate("dup", 1, 0));
        assertThat(engine.get("never", 0).orElseThrow().counters().matched()).isEqualTo(1);
        assertThat(engine.get("never", 0).orElseThrow().counters().dropped()).isZero();
    }

    @Test
    void countersCountMatchesAndVerdictsByKind() {
        engine.add(spec("unreachable").withName("unreachable").withMethods(Set.of("OPTIONS")), 0);
        engine.add(spec("tcp-reset").withName("reset").withMethods(Set.of("OPTIONS")), 0);
        engine.add(spec("tcp-connect-timeout").withName("timeout"), 0);
        engine.add(spec("duplicate", Map.of("copies", 2)).withName("dup").withMethods(Set.of("NOTIFY")), 0);
        engine.add(spec("reorder").withName("reorder").withMethods(Set.of("INFO")), 0);
        engine.add(spec("loss").withName("loss").withMethods(Set.of("MESSAGE")), 0);

        engine.decide(request("p1", "OPTIONS"), 0);                  // unreachable: refused
        engine.decide(Packet.request(Protocol.TCP, PRIMARY, "p1", "a", "V2", "INVITE"), 0); // nobody
        engine.decide(connect("p1"), 0);                             // timeout
        engine.decide(connect("p2"), 0);                             // timeout
        engine.decide(keepAlive("p1"), 0);                           // timeout matched, passes
        engine.decide(request("p1", "NOTIFY"), 0);                   // dup
        engine.decide(request("p1", "INFO"), 0);                     // reorder: delayed
        engine.decide(request("p1", "MESSAGE"), 0);                  // loss: dropped

        assertThat(engine.get("unreachable", 0).orElseThrow().counters()).isEqualTo(new Fault.Counters(1, 0, 0, 0, 0, 1, 0));
        assertThat(engine.get("reset", 0).orElseThrow().counters()).isEqualTo(new Fault.Counters(0, 0, 0, 0, 0, 0, 0));
        assertThat(engine.get("timeout", 0).orElseThrow().counters()).isEqualTo(new Fault.Counters(7, 0, 0, 0, 0, 0, 2));
        assertThat(engine.get("dup", 0).orElseThrow().counters()).isEqualTo(new Fault.Counters(1, 0, 0, 1, 0, 0, 0));
        assertThat(engine.get("reorder", 0).orElseThrow().counters()).isEqualTo(new Fault.Counters(1, 0, 1, 0, 0, 0, 0));
        assertThat(engine.get("loss", 0).orElseThrow().counters()).isEqualTo(new Fault.Counters(1, 1, 0, 0, 0, 0, 0));

        engine.remove("unreachable");
        engine.decide(Packet.request(Protocol.TLS, PRIMARY, "p1", "a", "V2", "OPTIONS"), 0);
        assertThat(engine.get("reset", 0).orElseThrow().counters()).isEqualTo(new Fault.Counters(1, 0, 0, 0, 0, 1, 0));
    }

    @Test
    void removeAndClearTakeFaultsAway() {
        engine.add(spec("blackhole").withName("a"), 0);
        engine.add(spec("blackhole").withName("b"), 0);
        engine.add(spec("blackhole").withName("c"), 0);
        assertThat(engine.remove("b")).isTrue();
        assertThat(engine.remove("b")).isFalse();
        assertThat(engine.list(0)).extracting(Fault::id).containsExactly("a", "c");
        assertThat(engine.get("b", 0)).isEmpty();
        engine.clear();
        assertThat(engine.list(0)).isEmpty();
        assertThat(engine.isEmpty()).isTrue();
        assertThat(engine.decide(request("p1", "REGISTER"), 0)).isEqualTo(Verdict.PASS);
    }

    @Test
    void aRemovedNameCanBeUsedAgainWithFreshCounters() {
        engine.add(spec("blackhole").withName("f"), 0);
        engine.decide(request("p1", "REGISTER"), 0);
        engine.remove("f");
        engine.add(spec("blackhole").withName("f"), 0);
        assertThat(engine.get("f", 0).orElseThrow().counters().matched()).isZero();
    }

    @Test
    void probabilityIsAppliedByTheEngineForTypesThatDoNotOwnIt() {
        engine.add(spec("respond", Map.of("status", 500)).withName("f").withProbability(0.25), 0);
        int answered = 0;
        for (int i = 0; i < 10_000; i++) {
            answered += engine.decide(request("p" + (i % 50), "REGISTER"), 0) instanceof Verdict.Respond ? 1 : 0;
        }
        assertThat(answered).isBetween(2375, 2625);
        Fault.Counters c = engine.get("f", 0).orElseThrow().counters();
        assertThat(c.matched()).isEqualTo(10_000);
        assertThat(c.answered()).isEqualTo(answered);
    }
}
