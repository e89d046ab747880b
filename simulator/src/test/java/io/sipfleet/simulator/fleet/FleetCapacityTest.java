package io.sipfleet.simulator.fleet;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.sipfleet.device.FirmwareProfile;
import io.sipfleet.device.config.LineConfig;
import io.sipfleet.device.sip.InboundRequest;
import io.sipfleet.device.sip.OutboundRequest;
import io.sipfleet.device.sip.SipSignalling;
import io.sipfleet.device.time.SipTimers;
import io.sipfleet.simulator.runtime.Capacity;
import io.sipfleet.simulator.runtime.ShardedScheduler;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** A fleet beyond what the instance measured it can carry: a warning with both figures, or a refusal. */
class FleetCapacityTest {
    /** Nothing reaches a wire: these phones never get far. */
    private static final SipSignalling NOWHERE = new SipSignalling() {
        @Override public void send(OutboundRequest request) { }
        @Override public void abandon(OutboundRequest request) { }
        @Override public void respond(InboundRequest request, int status) { }
    };
    private final ShardedScheduler shards = new ShardedScheduler(2);
    private final FleetManager fleets = new FleetManager(shards, NOWHERE, new SipTimers(500), FleetListener.NONE, 1, 10);

    /** 1 ms of CPU a transaction on 2 cores at 70%: 1,400 transactions a second. */
    private static Capacity measured() {
        Capacity c = new Capacity(() -> 0, () -> 0, 2, 1_000_000);
        c.record(1_000_000, "measured in this test");
        return c;
    }

    @AfterEach
    void close() {
        fleets.close();
        shards.close();
    }

    private static FleetSpec fleet(String name, int count, int keepAlive) {
        return new FleetSpec(name, FirmwareProfile.byName("V3").orElseThrow(), count, 100_000, "pw{user}", "", 1, false,
                0, LineConfig.builder().registerAddr("127.0.0.9").registerPort(5999).keepAliveInterval(keepAlive));
    }

    @Test
    void theSteadyLoadIsKeepAlivesAndRefreshes() {
        // 20,000 phones: an OPTIONS every 10 s (2,000/s) and a digest REGISTER (2 transactions) every 0.9 x 3,600 s
        assertThat(Capacity.steadyLoad(20_000, 10, 3_600, true)).isCloseTo(2_000 + 20_000 * 2 / 3_240.0,
                org.assertj.core.data.Offset.offset(0.01));
        assertThat(measured().transactionsPerSecond()).isEqualTo(1_400.0);
    }

    @Test
    void withinCapacityAFleetHasNoWarning() {
        fleets.capacity(measured(), false);
        assertThat(fleets.create(fleet("small", 1_000, 10)).warnings()).isEmpty();
    }

    @Test
    void beyondCapacityTheFleetIsCreatedWithAWarningGivingBothFigures() {
        fleets.capacity(measured(), false);
        Fleet f = fleets.create(fleet("big", 20_000, 10));
        assertThat(f.warnings()).singleElement().asString()
                .contains("projected steady load 2,012 SIP transactions/s")
                .contains("20,000 phones, OPTIONS every 10 s")
                .contains("1,400 SIP transactions/s")
                .contains("1000 µs of CPU each");
        assertThat(fleets.fleet("big")).isPresent();
    }

    @Test
    void theOtherFleetsCountToo() {
        fleets.capacity(measured(), false);
        assertThat(fleets.create(fleet("first", 10_000, 10)).warnings()).isEmpty();
        assertThat(fleets.create(fleet("second", 5_000, 10)).warnings()).singleElement().asString()
                .contains("other fleets 1,006");
    }

    @Test
    void whenEnforcedAFleetBeyondCapacityIsRefusedAndNothingIsCreated() {
        fleets.capacity(measured(), true);
        assertThatThrownBy(() -> fleets.create(fleet("big", 20_000, 10)))
                .isInstanceOf(CapacityExceededException.class)
                .hasMessageContaining("sipfleet.capacity.enforce=true")
                .satisfies(e -> {
                    CapacityExceededException c = (CapacityExceededException) e;
                    assertThat(c.projectedPerSecond()).isCloseTo(2_012.3, org.assertj.core.data.Offset.offset(0.1));
                    assertThat(c.capacityPerSecond()).isEqualTo(1_400.0);
                });
        assertThat(fleets.fleets()).isEmpty();
    }
}
