package io.sipfleet.simulator;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.sipfleet.device.FirmwareProfile;
import io.sipfleet.device.config.LineConfig;
import io.sipfleet.faults.FaultSpec;
import io.sipfleet.simulator.builtin.Mode;
import io.sipfleet.simulator.fleet.Fleet;
import io.sipfleet.simulator.fleet.FleetEvent;
import io.sipfleet.simulator.fleet.FleetListener;
import io.sipfleet.simulator.fleet.FleetSpec;
import io.sipfleet.simulator.kamailio.KamailioPair;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The simulator behind its facade, without any framework: made from plain settings with the built-in
 * servers on loopback, it runs a small fleet that fails over when the primary goes down, resets to a clean
 * slate and, closed, leaves no socket or thread behind.
 */
class SimulatorTest {
    private static final int PHONES = 3;
    private Simulator sim;

    @AfterEach
    void close() {
        if (sim != null) {
            sim.close();
        }
    }

    @Test
    void aFleetFailsOverWhenThePrimaryIsDownResetsAndLeavesNothingRunningWhenClosed() throws Exception {
        Set<Thread> before = Thread.getAllStackTraces().keySet();
        int phonesPort = KamailioPair.freePort("127.0.0.1");
        int primaryPort = KamailioPair.freePort("127.0.0.2");
        int backupPort = KamailioPair.freePort("127.0.0.3");
        SimulatorSettings settings = SimulatorSettings.defaults()
                .withSip(new SimulatorSettings.Sip(Duration.ofMillis(50), "127.0.0.1", phonesPort, 2,
                        SimulatorSettings.Tls.off()))
                .withBuiltinServers(new SimulatorSettings.BuiltinServers(true, "127.0.0.2", primaryPort, "127.0.0.3",
                        backupPort))
                .withDemoFleet(SimulatorSettings.DemoFleet.off())
                .withWarmUp(new SimulatorSettings.WarmUp(false))
                .withShards(2);
        List<FleetEvent> heard = new CopyOnWriteArrayList<>();
        FleetListener listener = heard::add;

        sim = Simulator.start(settings, List.of(listener));
        assertThat(sim.sipStackUp()).isTrue();
        assertThat(sim.builtin()).isPresent();
        assertThat(sim.resolveServer("primary")).contains("127.0.0.2:" + primaryPort);
        assertThat(sim.resolveServer("backup")).contains("127.0.0.3:" + backupPort);

        sim.fleets().create(new FleetSpec("lab", FirmwareProfile.V3, PHONES, 5001, "pw{user}", "", 0, true, 0,
                LineConfig.builder().registerAddr("127.0.0.2").registerPort(primaryPort)
                        .backupAddr("127.0.0.3").backupPort(backupPort).keepAliveInterval(1).failbackInterval(3600)));
        await("every phone registered on the primary").atMost(Duration.ofSeconds(10))
                .until(() -> onServer("primary") == PHONES);

        var down = sim.availability("primary", Mode.DOWN);
        assertThat(down).isEqualTo(new ServerAvailability.Result("primary", "127.0.0.2:" + primaryPort, true, "down",
                sim.builtin().orElseThrow().server("primary")));
        await("every phone on the backup").atMost(Duration.ofSeconds(10))
                .until(() -> onServer("backup") == PHONES);
        assertThat(heard).as("every listener hears the phones' events")
                .anyMatch(e -> e.event().type().equals("failover") && e.phone().equals("lab-1"));

        sim.addFault(FaultSpec.of("blackhole", "127.0.0.9:5060"));
        assertThat(sim.availability("127.0.0.9:5061", Mode.ERROR_503).address()).isEqualTo("127.0.0.9:5061");
        assertThat(sim.externalMode("127.0.0.9:5061")).isEqualTo("503");
        var relay = sim.startRelay("bench", "127.0.0.1", 0, "backup");
        assertThat(sim.relays()).containsOnlyKeys("bench");
        assertThatThrownBy(() -> sim.startRelay("bench", "127.0.0.1", 0, "backup"))
                .isInstanceOf(NameTakenException.class);
        assertThatThrownBy(() -> sim.availability("no-such-host.invalid:5060", Mode.DOWN))
                .isInstanceOf(UnknownServerException.class);
        assertThatThrownBy(() -> sim.availability("tertiary", Mode.DOWN)).isInstanceOf(UnknownServerException.class);

        Reset reset = sim.reset(false);

        assertThat(reset).isEqualTo(new Reset(2, 1, List.of("lab")));
        assertThat(sim.faults()).isEmpty();
        assertThat(sim.externalMode("127.0.0.9:5061")).isEqualTo("up");
        assertThat(sim.relays()).isEmpty();
        assertThat(relay.udpOpen()).isFalse();
        assertThat(sim.fleets().fleets()).isEmpty();
        assertThat(sim.builtin().orElseThrow().servers()).allMatch(s -> s.mode() == Mode.UP);

        sim.close();

        for (var address : Map.of("127.0.0.1", phonesPort, "127.0.0.2", primaryPort, "127.0.0.3", backupPort)
                .entrySet()) {
            assertThat(free(address.getKey(), address.getValue())).as(address + " free again").isTrue();
        }
        await("every thread it started ended").atMost(Duration.ofSeconds(10))
                .untilAsserted(() -> assertThat(startedSince(before)).isEmpty());
    }

    private int onServer(String role) {
        return sim.fleets().fleet("lab").map(Fleet::summary).map(s -> s.byActiveServer().getOrDefault(role, 0))
                .orElse(0);
    }

    /** UDP and TCP on that address and port can be bound again. */
    private static boolean free(String host, int port) {
        try (DatagramSocket udp = new DatagramSocket(null); ServerSocket tcp = new ServerSocket()) {
            var a = new InetSocketAddress(InetAddress.getByName(host), port);
            udp.bind(a);
            tcp.bind(a);
            return true;
        } catch (java.io.IOException e) {
            return false;
        }
    }

    /**
     * Threads alive now that were not before, by name; except the ones that are not the simulator's to stop:
     * the JDK's shared delay scheduler (CompletableFuture.orTimeout), Awaitility's own, and JAIN-SIP's event
     * scanner, which a stopped stack leaves parked for good (a daemon thread of the library that never runs
     * again).
     */
    private static List<String> startedSince(Set<Thread> before) {
        return Thread.getAllStackTraces().keySet().stream().filter(t -> !before.contains(t) && t.isAlive())
                .map(Thread::getName)
                .filter(n -> !n.equals("CompletableFutureDelayScheduler") && !n.startsWith("awaitility")
                        && !n.equals("EventScannerThread"))
                .sorted().collect(Collectors.toList());
    }
}
