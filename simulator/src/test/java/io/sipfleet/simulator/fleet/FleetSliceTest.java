package io.sipfleet.simulator.fleet;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.sipfleet.device.FirmwareProfile;
import io.sipfleet.device.InvalidInputException;
import io.sipfleet.device.config.LineConfig;
import io.sipfleet.device.sip.InboundRequest;
import io.sipfleet.device.sip.OutboundRequest;
import io.sipfleet.device.sip.SipSignalling;
import io.sipfleet.device.sip.Method;
import io.sipfleet.device.time.SipTimers;
import io.sipfleet.simulator.cluster.ClusterShard;
import io.sipfleet.simulator.runtime.ShardedScheduler;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** An instance of a cluster makes and powers on only its slice of a fleet; ids and users stay global. */
class FleetSliceTest {
    private final Set<String> registering = ConcurrentHashMap.newKeySet();
    private final SipSignalling wire = new SipSignalling() {
        @Override public void send(OutboundRequest request) {
            if (request.method() == Method.REGISTER) {
                registering.add(request.phoneId());
            }
        }
        @Override public void abandon(OutboundRequest request) { }
        @Override public void respond(InboundRequest request, int status) { }
    };
    private final ShardedScheduler shards = new ShardedScheduler(2);
    private final FleetManager fleets = new FleetManager(shards, wire, new SipTimers(500), FleetListener.NONE, 1, 10);

    @AfterEach
    void close() {
        fleets.close();
        shards.close();
    }

    private static FleetSpec spec(int count) {
        return new FleetSpec("big", FirmwareProfile.byName("V3").orElseThrow(), count, 100_000, "pw{user}", "", 0,
                false, 0, LineConfig.builder().registerAddr("127.0.0.9").registerPort(5999));
    }

    @Test
    void theSecondOfThreeInstancesPowersOnPhones11To20OfThirty() {
        fleets.cluster(new ClusterShard(1, 3));
        Fleet f = fleets.create(spec(30));

        assertThat(f.phones()).extracting(PhoneHandle::id)
                .containsExactly("big-11", "big-12", "big-13", "big-14", "big-15", "big-16", "big-17", "big-18",
                        "big-19", "big-20");
        assertThat(f.spec().count()).isEqualTo(30);
        assertThat(fleets.phone("big-11")).isPresent();
        assertThat(fleets.phone("big-11").orElseThrow().phone().lineConfig(1).user()).isEqualTo("100010");
        assertThat(fleets.phone("big-10")).isEmpty();
        assertThat(fleets.ownerElsewhere("big-10")).hasValue(0);
        assertThat(fleets.ownerElsewhere("big-21")).hasValue(2);
        assertThat(fleets.ownerElsewhere("big-15")).isEmpty();
        assertThat(fleets.ownerElsewhere("big-31")).as("no such phone anywhere").isEmpty();
        await().atMost(Duration.ofSeconds(10)).until(() -> registering.size() == 10);
        assertThat(registering).allMatch(id -> Integer.parseInt(id.substring(4)) >= 11
                && Integer.parseInt(id.substring(4)) <= 20);
        assertThat(f.summary().count()).isEqualTo(10);

        // what this instance tells the others of its slice (README "Scale-out")
        await().atMost(Duration.ofSeconds(5)).until(() -> f.poweredOn() == 10);
        var report = io.sipfleet.simulator.cluster.ShardReport.of(fleets.cluster(), fleets.fleets(), 42);
        assertThat(report.shard()).isEqualTo(1);
        assertThat(report.of()).isEqualTo(3);
        assertThat(report.fleets().get("big")).satisfies(s -> {
            assertThat(s.count()).isEqualTo(30);
            assertThat(s.firstPhone()).isEqualTo(11);
            assertThat(s.lastPhone()).isEqualTo(20);
            assertThat(s.phones()).isEqualTo(10);
            assertThat(s.poweredOn()).isEqualTo(10);
        });
    }

    @Test
    void anInstanceWithAnEmptySliceStillKnowsTheFleetAndRefusesWhatEveryInstanceRefuses() {
        fleets.cluster(new ClusterShard(0, 3));
        Fleet f = fleets.create(spec(2)); // 2 phones on 3 instances: the first owns none
        assertThat(f.phones()).isEmpty();
        assertThat(fleets.ownerElsewhere("big-1")).hasValue(1);

        // a line refused for any phone of the fleet is refused on every instance, whichever slice it owns
        assertThatThrownBy(() -> fleets.create(new FleetSpec("bad", FirmwareProfile.byName("V3").orElseThrow(), 30,
                100_000, "pw{user}", "", 0, false, 0, LineConfig.builder().registerAddr("127.0.0.9").registerPort(70_000))))
                .isInstanceOf(InvalidInputException.class).hasMessageContaining("registerPort");
    }
}
