package io.sipfleet.simulator.fleet;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.sipfleet.device.FirmwareProfile;
import io.sipfleet.device.config.LineConfig;
import io.sipfleet.device.sip.InboundRequest;
import io.sipfleet.device.sip.OutboundRequest;
import io.sipfleet.device.sip.SipSignalling;
import io.sipfleet.device.time.SipTimers;
import io.sipfleet.simulator.runtime.ShardedScheduler;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Fleet-wide commands are paced, yet every phone carries its commands out in the order they came. */
class FleetCommandsTest {
    private static final SipSignalling NOWHERE = new SipSignalling() {
        @Override public void send(OutboundRequest request) { }
        @Override public void abandon(OutboundRequest request) { }
        @Override public void respond(InboundRequest request, int status) { }
    };
    private final ShardedScheduler shards = new ShardedScheduler(4);
    private final FleetManager fleets = new FleetManager(shards, NOWHERE, new SipTimers(500), FleetListener.NONE, 1, 10);

    @AfterEach
    void close() {
        fleets.close();
        shards.close();
    }

    @Test
    void eachPhoneSeesTheFleetsCommandsAndItsOwnInTheOrderTheyCame() {
        int n = 5_000;
        Fleet f = fleets.create(new FleetSpec("ord", FirmwareProfile.byName("V2").orElseThrow(), n, 100_000,
                "pw{user}", "", 0, false, 0, LineConfig.builder().registerAddr("127.0.0.9").registerPort(5999)));
        Map<String, List<String>> seen = new ConcurrentHashMap<>();
        for (String c : List.of("A", "B", "C")) {
            fleets.forEachPaced(f, p -> seen.computeIfAbsent(p.phoneId(), k -> new CopyOnWriteArrayList<>()).add(c));
        }
        // a command for one phone, given while the fleet's are still being handed out, comes after them
        PhoneHandle last = f.phones().get(n - 1);
        last.command(p -> seen.computeIfAbsent(p.phoneId(), k -> new CopyOnWriteArrayList<>()).add("mine"));

        await().atMost(Duration.ofSeconds(20)).until(() -> f.commandsPending() == 0
                && seen.values().stream().mapToInt(List::size).sum() == 3 * n + 1);
        for (PhoneHandle h : f.phones()) {
            assertThat(seen.get(h.id())).as(h.id()).startsWith("A", "B", "C");
        }
        assertThat(seen.get(last.id())).containsExactly("A", "B", "C", "mine");
    }
}
