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

    @Test
    void aCommandThatStartsSipTransactionsIsHandedOutNoFasterThanTheMeasuredCapacity() {
        // one core at 10 ms of CPU a transaction: 70 transactions/s with headroom, 35 phones/s at two each,
        // raised to the floor of 100 phones/s
        fleets.capacity(new io.sipfleet.simulator.runtime.Capacity(() -> 0, () -> 0, 1, 10_000_000), false);
        int n = 60;
        Fleet f = fleets.create(new FleetSpec("cap", FirmwareProfile.byName("V3").orElseThrow(), n, 200_000,
                "pw{user}", "", 0, false, 0, LineConfig.builder().registerAddr("127.0.0.9").registerPort(5999)));
        Map<String, Long> at = new ConcurrentHashMap<>();
        long start = System.nanoTime();
        fleets.forEachPaced(f, p -> at.put(p.phoneId(), System.nanoTime() - start), 2);
        await().atMost(Duration.ofSeconds(10)).until(() -> at.size() == n);
        long spreadMs = at.values().stream().mapToLong(Long::longValue).max().orElseThrow() / 1_000_000;
        // 60 phones at 100/s: the first at once, the last about 0.59 s later
        assertThat(spreadMs).as("ms from the command to its last phone").isBetween(450L, 2_000L);

        Map<String, Long> plain = new ConcurrentHashMap<>();
        long start2 = System.nanoTime();
        fleets.forEachPaced(f, p -> plain.put(p.phoneId(), System.nanoTime() - start2));
        await().atMost(Duration.ofSeconds(10)).until(() -> plain.size() == n);
        assertThat(plain.values().stream().mapToLong(Long::longValue).max().orElseThrow() / 1_000_000)
                .as("a command without SIP: as fast as the simulator keeps up").isLessThan(300L);
    }
}
