package io.sipfleet.faults.types;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.sipfleet.faults.Direction;
import io.sipfleet.faults.FaultType;
import io.sipfleet.faults.FaultTypes;
import io.sipfleet.faults.InvalidFaultException;
import io.sipfleet.faults.Packet;
import io.sipfleet.faults.Protocol;
import io.sipfleet.faults.Verdict;
import java.math.BigDecimal;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.assertj.core.api.AbstractThrowableAssert;
import org.junit.jupiter.api.Test;

class StandardTypesTest {
    private static final String SRV = "10.0.0.1:5060";
    private static final FaultTypes TYPES = FaultTypes.standard();

    private static final Packet UDP_REQUEST = Packet.request(Protocol.UDP, SRV, "p1", "f", "V2", "REGISTER");
    private static final Packet TCP_REQUEST = Packet.request(Protocol.TCP, SRV, "p1", "f", "V2", "INVITE");
    private static final Packet ACK = Packet.request(Protocol.UDP, SRV, "p1", "f", "V2", "ACK");
    private static final Packet RESPONSE_FROM_SERVER =
            new Packet(Packet.Flow.FROM_SERVER, Protocol.UDP, Packet.Kind.MESSAGE, SRV, "p1", "f", "V2", "REGISTER", 200);
    private static final Packet REQUEST_FROM_SERVER =
            new Packet(Packet.Flow.FROM_SERVER, Protocol.UDP, Packet.Kind.MESSAGE, SRV, "p1", "f", "V2", "OPTIONS", 0);
    private static final Packet UDP_KEEPALIVE =
            new Packet(Packet.Flow.TO_SERVER, Protocol.UDP, Packet.Kind.KEEPALIVE, SRV, "p1", "f", "V2", null, 0);
    private static final Packet TCP_KEEPALIVE =
            new Packet(Packet.Flow.TO_SERVER, Protocol.TCP, Packet.Kind.KEEPALIVE, SRV, "p1", "f", "V2", null, 0);
    private static final Packet TCP_CONNECT = Packet.connect(Protocol.TCP, SRV, "p1", "f", "V2");
    private static final Packet TLS_CONNECT = Packet.connect(Protocol.TLS, SRV, "p1", "f", "V2");
    private static final Packet UDP_CONNECT = Packet.connect(Protocol.UDP, SRV, "p1", "f", "V2");
    private static final Packet TLS_RESPONSE =
            new Packet(Packet.Flow.FROM_SERVER, Protocol.TLS, Packet.Kind.MESSAGE, SRV, "p1", "f", "V2", "INVITE", 180);

    private static FaultType type(String name) {
        return TYPES.type(name).orElseThrow();
    }

    private static FaultType.Behaviour make(String type, Map<String, Object> params) {
        FaultType t = type(type);
        return t.create(params, t.defaultDirection(), 1.0);
    }

    private static Verdict decide(FaultType.Behaviour b, Packet p) {
        return b.decide(p, 0, new SplittableRandom(1), "f1");
    }

    private static AbstractThrowableAssert<?, ? extends Throwable> refusing(String type, Map<String, Object> params,
                                                                           String field) {
        return assertThatThrownBy(() -> make(type, params))
                .isInstanceOf(InvalidFaultException.class)
                .satisfies(e -> assertThat(((InvalidFaultException) e).field()).isEqualTo(field));
    }

    private static Map<String, Object> params(Object... kv) {
        Map<String, Object> m = new HashMap<>();
        for (int i = 0; i < kv.length; i += 2) {
            m.put((String) kv[i], kv[i + 1]);
        }
        return m;
    }

    // ---- registry

    @Test
    void theStandardRegistryHasTheNineTypesInCatalogueOrder() {
        assertThat(TYPES.names()).containsExactly("blackhole", "unreachable", "respond", "delay", "loss",
                "duplicate", "reorder", "tcp-connect-timeout", "tcp-reset");
    }

    @Test
    void everyTypeDescribesItselfAndItsParameters() {
        for (FaultType t : TYPES.all()) {
            assertThat(t.description()).as(t.name()).isNotBlank().doesNotContain("\n");
            t.parameters().forEach((k, v) -> assertThat(v).as(t.name() + "." + k).isNotBlank());
        }
        assertThat(type("respond").parameters()).containsOnlyKeys("status", "reason", "retryAfter");
        assertThat(type("delay").parameters()).containsOnlyKeys("ms", "jitterMs");
        assertThat(type("loss").parameters()).containsOnlyKeys("model", "meanBurst");
        assertThat(type("duplicate").parameters()).containsOnlyKeys("copies", "spacingMs");
        assertThat(type("reorder").parameters()).containsOnlyKeys("holdMs");
    }

    @Test
    void defaultDirectionsAreTheDocumentedOnes() {
        assertThat(type("blackhole").defaultDirection()).isEqualTo(Direction.BOTH);
        assertThat(type("unreachable").defaultDirection()).isEqualTo(Direction.TO_SERVER);
        assertThat(type("respond").defaultDirection()).isEqualTo(Direction.TO_SERVER);
        assertThat(type("tcp-connect-timeout").defaultDirection()).isEqualTo(Direction.TO_SERVER);
        for (String t : List.of("delay", "loss", "duplicate", "reorder", "tcp-reset")) {
            assertThat(type(t).defaultDirection()).as(t).isEqualTo(Direction.BOTH);
        }
    }

    @Test
    void registryLookupIsCaseInsensitiveAndRefusesATakenName() {
        assertThat(TYPES.type(" Blackhole ")).containsInstanceOf(BlackholeType.class);
        assertThat(TYPES.type("nope")).isEmpty();
        assertThatThrownBy(() -> TYPES.with(new BlackholeType())).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void onlyLossOwnsTheProbability() {
        for (FaultType t : TYPES.all()) {
            assertThat(t.ownsProbability()).as(t.name()).isEqualTo(t.name().equals("loss"));
        }
    }

    // ---- verdicts

    @Test
    void blackholeDropsEverything() {
        FaultType.Behaviour b = make("blackhole", null);
        for (Packet p : List.of(UDP_REQUEST, RESPONSE_FROM_SERVER, UDP_KEEPALIVE, TCP_CONNECT)) {
            assertThat(decide(b, p)).isEqualTo(new Verdict.Drop("f1"));
        }
    }

    @Test
    void unreachableRefusesEveryPacketAndConnect() {
        FaultType.Behaviour b = make("unreachable", Map.of());
        for (Packet p : List.of(UDP_REQUEST, TCP_REQUEST, UDP_KEEPALIVE, TCP_CONNECT, TLS_RESPONSE)) {
            assertThat(decide(b, p)).isEqualTo(new Verdict.Unreachable("f1"));
        }
    }

    @Test
    void respondAnswersRequestsToTheServerWithTheStandardReason() {
        FaultType.Behaviour b = make("respond", params("status", 503));
        assertThat(decide(b, UDP_REQUEST)).isEqualTo(new Verdict.Respond("f1", 503, "Service Unavailable", null));
        assertThat(decide(b, TCP_REQUEST)).isEqualTo(new Verdict.Respond("f1", 503, "Service Unavailable", null));
    }

    @Test
    void respondPassesAckResponsesKeepAlivesConnectsAndRequestsFromTheServer() {
        FaultType.Behaviour b = make("respond", params("status", 500));
        for (Packet p : List.of(ACK, RESPONSE_FROM_SERVER, REQUEST_FROM_SERVER, UDP_KEEPALIVE, TCP_CONNECT)) {
            assertThat(decide(b, p)).as(p.toString()).isEqualTo(Verdict.PASS);
        }
    }

    @Test
    void respondTakesReasonAndRetryAfter() {
        FaultType.Behaviour b = make("respond", params("status", 503, "reason", "Maintenance", "retryAfter", 30));
        assertThat(decide(b, UDP_REQUEST)).isEqualTo(new Verdict.Respond("f1", 503, "Maintenance", 30));
    }

    @Test
    void respondDefaultReasonsAreTheStandardPhrases() {
        assertThat(RespondType.defaultReason(408)).isEqualTo("Request Timeout");
        assertThat(RespondType.defaultReason(480)).isEqualTo("Temporarily Unavailable");
        assertThat(RespondType.defaultReason(486)).isEqualTo("Busy Here");
        assertThat(RespondType.defaultReason(500)).isEqualTo("Server Internal Error");
        assertThat(RespondType.defaultReason(503)).isEqualTo("Service Unavailable");
        assertThat(RespondType.defaultReason(504)).isEqualTo("Server Time-out");
        assertThat(RespondType.defaultReason(599)).isEqualTo("Fault");
        assertThat(decide(make("respond", params("status", 408)), UDP_REQUEST))
                .isEqualTo(new Verdict.Respond("f1", 408, "Request Timeout", null));
    }

    @Test
    void respondAcceptsIntegralNumbersOfAnyKind() {
        for (Object status : List.of(503L, 503.0, new BigDecimal("503"), (short) 503)) {
            assertThat(decide(make("respond", params("status", status)), UDP_REQUEST))
                    .isEqualTo(new Verdict.Respond("f1", 503, "Service Unavailable", null));
        }
    }

    @Test
    void respondRefusesFromServerNamingTheDirection() {
        assertThatThrownBy(() -> type("respond").create(params("status", 503), Direction.FROM_SERVER))
                .isInstanceOf(InvalidFaultException.class)
                .hasMessageContaining("to the server")
                .satisfies(e -> assertThat(((InvalidFaultException) e).field()).isEqualTo("direction"));
    }

    @Test
    void respondRefusesBadParams() {
        refusing("respond", params(), "params.status").hasMessageContaining("needs parameter 'status'");
        refusing("respond", params("status", 200), "params.status").hasMessageContaining("300 to 699");
        refusing("respond", params("status", 700), "params.status");
        refusing("respond", params("status", 503.5), "params.status").hasMessageContaining("whole number");
        refusing("respond", params("status", "503"), "params.status").hasMessageContaining("without quotes");
        refusing("respond", params("status", true), "params.status");
        refusing("respond", params("status", 503, "reason", 5), "params.reason").hasMessageContaining("text");
        refusing("respond", params("status", 503, "reason", "a\r\nVia: x"), "params.reason");
        refusing("respond", params("status", 503, "reason", " "), "params.reason");
        refusing("respond", params("status", 503, "retryAfter", -1), "params.retryAfter");
        refusing("respond", params("status", 503, "retryAfter", 1.5), "params.retryAfter");
        refusing("respond", params("status", 503, "code", 1), "params.code")
                .hasMessageContaining("status, reason, retryAfter");
    }

    @Test
    void delayGivesTheDelay() {
        assertThat(decide(make("delay", params("ms", 250)), UDP_REQUEST)).isEqualTo(new Verdict.Delay("f1", 250));
        assertThat(decide(make("delay", params("ms", 0)), TCP_CONNECT)).isEqualTo(new Verdict.Delay("f1", 0));
    }

    @Test
    void delayJitterIsUniformWithinBoundsAndClampedAtZero() {
        FaultType.Behaviour b = make("delay", params("ms", 100, "jitterMs", 50));
        SplittableRandom r = new SplittableRandom(3);
        long min = Long.MAX_VALUE;
        long max = Long.MIN_VALUE;
        double sum = 0;
        int n = 20_000;
        for (int i = 0; i < n; i++) {
            long ms = ((Verdict.Delay) b.decide(UDP_REQUEST, 0, r, "f1")).millis();
            min = Math.min(min, ms);
            max = Math.max(max, ms);
            sum += ms;
        }
        assertThat(min).isEqualTo(50);
        assertThat(max).isEqualTo(150);
        assertThat(sum / n).isBetween(98.0, 102.0);

        FaultType.Behaviour clamped = make("delay", params("ms", 10, "jitterMs", 100));
        for (int i = 0; i < 1000; i++) {
            assertThat(((Verdict.Delay) clamped.decide(UDP_REQUEST, 0, r, "f1")).millis()).isBetween(0L, 110L);
        }
    }

    @Test
    void delayRefusesBadParams() {
        refusing("delay", params(), "params.ms");
        refusing("delay", params("ms", -1), "params.ms");
        refusing("delay", params("ms", 600_001), "params.ms");
        refusing("delay", params("ms", "100"), "params.ms");
        refusing("delay", params("ms", 100, "jitterMs", -5), "params.jitterMs");
        refusing("delay", params("ms", 100, "jitterMs", 2.5), "params.jitterMs");
        refusing("delay", params("ms", 100, "jiter", 5), "params.jiter").hasMessageContaining("ms, jitterMs");
    }

    @Test
    void lossIndependentDropsAtTheRateItIsMadeWith() {
        FaultType.Behaviour b = type("loss").create(Map.of(), Direction.BOTH, 0.3);
        SplittableRandom r = new SplittableRandom(9);
        int dropped = 0;
        for (int i = 0; i < 10_000; i++) {
            Verdict v = b.decide(UDP_REQUEST, 0, r, "f1");
            assertThat(v).isIn(Verdict.PASS, new Verdict.Drop("f1"));
            dropped += v instanceof Verdict.Drop ? 1 : 0;
        }
        assertThat(dropped).isBetween(2850, 3150);
    }

    @Test
    void lossMadeWithoutAProbabilityDropsEverything() {
        assertThat(decide(type("loss").create(Map.of(), Direction.BOTH), UDP_REQUEST)).isEqualTo(new Verdict.Drop("f1"));
    }

    @Test
    void lossRefusesBadParams() {
        refusing("loss", params("model", "gilbert"), "params.model").hasMessageContaining("independent or bursty");
        refusing("loss", params("model", 1), "params.model");
        refusing("loss", params("meanBurst", 3), "params.meanBurst").hasMessageContaining("bursty");
        refusing("loss", params("model", "bursty", "meanBurst", 0.5), "params.meanBurst");
        refusing("loss", params("model", "bursty", "meanBurst", "3"), "params.meanBurst");
        refusing("loss", params("rate", 0.5), "params.rate");
        assertThatThrownBy(() -> type("loss").create(params("model", "bursty", "meanBurst", 1), Direction.BOTH, 0.9))
                .isInstanceOf(InvalidFaultException.class)
                .hasMessageContaining("at least 9")
                .satisfies(e -> assertThat(((InvalidFaultException) e).field()).isEqualTo("params.meanBurst"));
    }

    @Test
    void duplicateGivesCopiesAndSpacing() {
        assertThat(decide(make("duplicate", null), UDP_REQUEST)).isEqualTo(new Verdict.Duplicate("f1", 1, 0));
        assertThat(decide(make("duplicate", params("copies", 3, "spacingMs", 20)), RESPONSE_FROM_SERVER))
                .isEqualTo(new Verdict.Duplicate("f1", 3, 20));
        assertThat(decide(make("duplicate", null), TCP_CONNECT)).isEqualTo(Verdict.PASS);
    }

    @Test
    void duplicateRefusesBadParams() {
        refusing("duplicate", params("copies", 0), "params.copies");
        refusing("duplicate", params("copies", 11), "params.copies");
        refusing("duplicate", params("copies", 2.5), "params.copies");
        refusing("duplicate", params("spacingMs", -1), "params.spacingMs");
        refusing("duplicate", params("spacing", 1), "params.spacing");
    }

    @Test
    void reorderHoldsPacketsBack() {
        assertThat(decide(make("reorder", null), UDP_REQUEST)).isEqualTo(new Verdict.Delay("f1", 100));
        assertThat(decide(make("reorder", params("holdMs", 40)), UDP_KEEPALIVE)).isEqualTo(new Verdict.Delay("f1", 40));
        assertThat(decide(make("reorder", null), TCP_CONNECT)).isEqualTo(Verdict.PASS);
    }

    @Test
    void reorderRefusesBadParams() {
        refusing("reorder", params("holdMs", 0), "params.holdMs");
        refusing("reorder", params("holdMs", 60_001), "params.holdMs");
        refusing("reorder", params("holdMs", List.of(1)), "params.holdMs").hasMessageContaining("list");
        refusing("reorder", params("ms", 5), "params.ms");
    }

    @Test
    void tcpConnectTimeoutTimesOutTcpAndTlsConnectsOnly() {
        FaultType.Behaviour b = make("tcp-connect-timeout", null);
        assertThat(decide(b, TCP_CONNECT)).isEqualTo(new Verdict.ConnectTimeout("f1"));
        assertThat(decide(b, TLS_CONNECT)).isEqualTo(new Verdict.ConnectTimeout("f1"));
        for (Packet p : List.of(UDP_CONNECT, TCP_REQUEST, TCP_KEEPALIVE, UDP_REQUEST, TLS_RESPONSE)) {
            assertThat(decide(b, p)).as(p.toString()).isEqualTo(Verdict.PASS);
        }
    }

    @Test
    void tcpResetResetsMessagesOnTcpAndTlsOnly() {
        FaultType.Behaviour b = make("tcp-reset", null);
        assertThat(decide(b, TCP_REQUEST)).isEqualTo(new Verdict.Reset("f1"));
        assertThat(decide(b, TLS_RESPONSE)).isEqualTo(new Verdict.Reset("f1"));
        for (Packet p : List.of(TCP_CONNECT, TCP_KEEPALIVE, UDP_REQUEST, RESPONSE_FROM_SERVER)) {
            assertThat(decide(b, p)).as(p.toString()).isEqualTo(Verdict.PASS);
        }
    }

    @Test
    void typesWithoutParamsRefuseAny() {
        for (String t : List.of("blackhole", "unreachable", "tcp-connect-timeout", "tcp-reset")) {
            refusing(t, params("ms", 1), "params.ms").hasMessageContaining("takes no parameters");
        }
    }

    @Test
    void tcpConnectTimeoutRefusesFromServer() {
        assertThatThrownBy(() -> type("tcp-connect-timeout").create(Map.of(), Direction.FROM_SERVER))
                .isInstanceOf(InvalidFaultException.class)
                .satisfies(e -> assertThat(((InvalidFaultException) e).field()).isEqualTo("direction"));
    }

    @Test
    void nullParamValuesCountAsAbsent() {
        assertThat(decide(make("duplicate", params("copies", null)), UDP_REQUEST))
                .isEqualTo(new Verdict.Duplicate("f1", 1, 0));
    }
}
