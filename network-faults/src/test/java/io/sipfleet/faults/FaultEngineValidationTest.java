package io.sipfleet.faults;

import static io.sipfleet.faults.Fixtures.spec;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;
import org.assertj.core.api.AbstractThrowableAssert;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class FaultEngineValidationTest {
    private FaultEngine engine;

    @BeforeEach
    void setUp() {
        engine = Fixtures.engine(1);
        engine.add(spec("blackhole").withName("existing").withProbability(0.0), 0);
    }

    /** Refused naming {@code field}, and the engine still holds only the fault it had. */
    private AbstractThrowableAssert<?, ? extends Throwable> refused(FaultSpec s, String field) {
        AbstractThrowableAssert<?, ? extends Throwable> a = assertThatThrownBy(() -> engine.add(s, 0))
                .isInstanceOf(InvalidFaultException.class)
                .satisfies(e -> assertThat(((InvalidFaultException) e).field()).isEqualTo(field));
        assertThat(engine.list(0)).extracting(Fault::id).containsExactly("existing");
        return a;
    }

    private static Map<String, Object> params(Object... kv) {
        Map<String, Object> m = new HashMap<>();
        for (int i = 0; i < kv.length; i += 2) {
            m.put((String) kv[i], kv[i + 1]);
        }
        return m;
    }

    @Test
    void unknownTypeIsRefusedListingTheKnownTypes() {
        refused(spec("earthquake"), "type").hasMessageContaining("earthquake")
                .hasMessageContaining("blackhole, unreachable, respond, delay, loss, duplicate, reorder, "
                        + "tcp-connect-timeout, tcp-reset");
    }

    @Test
    void missingTypeIsRefused() {
        refused(spec(null), "type").hasMessageContaining("blackhole");
    }

    @Test
    void probabilityBelowZeroAboveOneOrNaNIsRefused() {
        refused(spec("blackhole").withProbability(-0.1), "probability").hasMessageContaining("0 to 1");
        refused(spec("blackhole").withProbability(1.5), "probability");
        refused(spec("blackhole").withProbability(Double.NaN), "probability");
    }

    @Test
    void probabilityZeroAndOneAreAccepted() {
        assertThat(engine.add(spec("blackhole").withProbability(0), 0).spec().probability()).isEqualTo(0.0);
        assertThat(engine.add(spec("blackhole").withProbability(1), 0).spec().probability()).isEqualTo(1.0);
    }

    @Test
    void unknownServerIsRefused() {
        refused(FaultSpec.of("blackhole", "tertiary"), "target").hasMessageContaining("unknown server 'tertiary'");
        refused(FaultSpec.of("blackhole", "host:99999"), "target");
    }

    @Test
    void negativeOrZeroDurationIsRefused() {
        refused(spec("blackhole").withDurationMs(-1000), "durationSeconds").hasMessageContaining("-1 s");
        refused(spec("blackhole").withDurationMs(0), "durationSeconds").hasMessageContaining("more than 0");
    }

    @Test
    void negativeStartDelayIsRefused() {
        refused(spec("blackhole").withStartDelayMs(-1), "startDelaySeconds").hasMessageContaining("-0.001 s");
    }

    @Test
    void respondFromTheServerIsRefusedAsDirection() {
        refused(spec("respond", Map.of("status", 503)).withDirection(Direction.FROM_SERVER), "direction")
                .hasMessageContaining("to-server");
    }

    @Test
    void duplicateNameIsRefusedAsTaken() {
        assertThatThrownBy(() -> engine.add(spec("delay", Map.of("ms", 10)).withName("existing"), 0))
                .isInstanceOf(FaultNameTakenException.class).hasMessageContaining("already exists");
        assertThat(engine.list(0)).extracting(Fault::id).containsExactly("existing");
    }

    @Test
    void aNameThatCannotBeAnIdIsRefused() {
        refused(spec("blackhole").withName("a/b"), "name");
        refused(spec("blackhole").withName(""), "name");
    }

    @Test
    void methodsMustBeTokensOfLetters() {
        refused(spec("blackhole").withMethods(Set.of("REGISTER", "IN VITE")), "methods");
        refused(spec("blackhole").withMethods(Set.of("4XX")), "methods");
    }

    @Test
    void badPhoneSelectorsAreRefused() {
        refused(spec("blackhole").withPhones(new PhoneSelector.Sample(101, 1)), "phones");
        refused(spec("blackhole").withPhones(new PhoneSelector.Sample(Double.NaN, 1)), "phones");
        refused(spec("blackhole").withPhones(new PhoneSelector.Ids(Set.of())), "phones");
        refused(spec("blackhole").withPhones(new PhoneSelector.Fleet(" ")), "phones");
        refused(spec("blackhole").withPhones(new PhoneSelector.Model(null)), "phones");
    }

    static Stream<Arguments> badParamsOfEachType() {
        return Stream.of(
                Arguments.of("blackhole", params("ms", 5), "params.ms"),
                Arguments.of("unreachable", params("code", 1), "params.code"),
                Arguments.of("respond", params(), "params.status"),
                Arguments.of("respond", params("status", 99), "params.status"),
                Arguments.of("respond", params("status", "503"), "params.status"),
                Arguments.of("respond", params("status", 503, "retryAfter", -5), "params.retryAfter"),
                Arguments.of("delay", params(), "params.ms"),
                Arguments.of("delay", params("ms", 100.5), "params.ms"),
                Arguments.of("delay", params("ms", 100, "jitterMs", -1), "params.jitterMs"),
                Arguments.of("loss", params("model", "random"), "params.model"),
                Arguments.of("loss", params("model", "bursty", "meanBurst", 0), "params.meanBurst"),
                Arguments.of("duplicate", params("copies", 0), "params.copies"),
                Arguments.of("duplicate", params("spacingMs", -1), "params.spacingMs"),
                Arguments.of("reorder", params("holdMs", 0), "params.holdMs"),
                Arguments.of("tcp-connect-timeout", params("timeoutMs", 10), "params.timeoutMs"),
                Arguments.of("tcp-reset", params("after", 1), "params.after"));
    }

    @ParameterizedTest(name = "{0} {1} -> {2}")
    @MethodSource
    void badParamsOfEachType(String type, Map<String, Object> params, String field) {
        refused(spec(type, params), field);
    }

    @Test
    void burstyLossNeedsALongEnoughBurstForItsRate() {
        refused(spec("loss", Map.of("model", "bursty", "meanBurst", 1)).withProbability(0.9), "params.meanBurst")
                .hasMessageContaining("at least 9");
    }

    @Test
    void aSpecBadInALaterFieldAddsNothingEvenIfEarlierFieldsAreFine() {
        refused(FaultSpec.of("delay", "primary").withName("fresh").withProbability(0.5)
                .withParams(Map.of("ms", 100)).withDurationMs(0), "durationSeconds");
        assertThat(engine.get("fresh", 0)).isEmpty();
    }

    @Test
    void aGoodSpecIsAddedResolvedAndNormalised() {
        Fault f = engine.add(FaultSpec.of("respond", "primary").withMethods(Set.of("register", " Invite "))
                .withParams(Map.of("status", 503)).withStartDelayMs(2000).withDurationMs(5000), 1000);
        assertThat(f.id()).isEqualTo("respond-1");
        assertThat(f.server()).isEqualTo(Fixtures.PRIMARY);
        assertThat(f.spec().name()).isEqualTo("respond-1");
        assertThat(f.spec().target()).isEqualTo("primary");
        assertThat(f.spec().methods()).containsExactlyInAnyOrder("REGISTER", "INVITE");
        assertThat(f.spec().direction()).isEqualTo(Direction.TO_SERVER);
        assertThat(f.spec().probability()).isEqualTo(1.0);
        assertThat(f.createdAtMs()).isEqualTo(1000);
        assertThat(f.startsAtMs()).isEqualTo(3000);
        assertThat(f.endsAtMs()).isEqualTo(8000);
        assertThat(f.state()).isEqualTo(Fault.State.PENDING);
        assertThat(f.counters()).isEqualTo(new Fault.Counters(0, 0, 0, 0, 0, 0, 0));
    }

    @Test
    void anExternalTargetIsStoredAsItsNormalisedHostPort() {
        assertThat(engine.add(FaultSpec.of("blackhole", "SIP.Example.com:5060"), 0).server())
                .isEqualTo("sip.example.com:5060");
        assertThat(engine.add(FaultSpec.of("blackhole", null), 0).server()).isNull();
    }

    @Test
    void generatedNamesCountUpPerTypeAndSkipTakenOnes() {
        engine.add(spec("blackhole").withName("blackhole-2"), 0);
        List<String> ids = List.of(
                engine.add(spec("blackhole"), 0).id(),
                engine.add(spec("blackhole"), 0).id(),
                engine.add(spec("delay", Map.of("ms", 1)), 0).id());
        assertThat(ids).containsExactly("blackhole-1", "blackhole-3", "delay-1");
        engine.clear();
        assertThat(engine.add(spec("blackhole"), 0).id()).isEqualTo("blackhole-4");
    }

    @Test
    void anUnboundedFaultEndsNever() {
        assertThat(engine.add(spec("blackhole"), 5).endsAtMs()).isEqualTo(Long.MAX_VALUE);
        assertThat(engine.add(spec("blackhole").withStartDelayMs(Long.MAX_VALUE).withDurationMs(10), 5).startsAtMs())
                .isEqualTo(Long.MAX_VALUE);
    }
}
