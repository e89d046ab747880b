package io.sipfleet.api.mqtt;

import static io.sipfleet.api.mqtt.MqttProbe.fleetCmd;
import static io.sipfleet.api.mqtt.MqttProbe.line1;
import static io.sipfleet.api.mqtt.MqttProbe.state;
import static io.sipfleet.api.mqtt.MqttScenarios.deleteFleet;
import static io.sipfleet.api.mqtt.MqttScenarios.fleet;
import static io.sipfleet.api.mqtt.MqttScenarios.rest;
import static org.assertj.core.api.Assertions.assertThat;

import io.quarkus.test.junit.QuarkusTest;
import java.util.HashMap;
import java.util.Map;
import java.util.function.Predicate;
import org.eclipse.microprofile.config.ConfigProvider;
import org.junit.jupiter.api.Test;

/**
 * A fleet of a thousand phones, each changing eleven times in well under a second (ten digits pressed
 * by ten fleet-wide key commands, then CANCEL): each phone's retained state is published at most once
 * per state interval, and the last one published is the phone's final state.
 */
@QuarkusTest
class MqttStateCoalescingTest {
    private static final int PHONES = 1_000;
    private static final String FLEET = "mbig";

    @Test
    void aBurstOfChangesInAThousandPhonesIsCoalescedPerPhone() throws Exception {
        long interval = ConfigProvider.getConfig().getValue("sipfleet.mqtt.state-interval", java.time.Duration.class)
                .toMillis();
        try (MqttProbe probe = MqttProbe.connect()) {
            probe.countOnly().subscribe(MqttCommandsTest.BASE_PHONES + "+/state", MqttProbe.errors());
            // ramped: a thousand REGISTERs at once with T1 = 50 ms overrun the built-in servers
            fleet(FLEET, PHONES, 7001, 250, "");
            try {
                awaitAll(probe, s -> "registered".equals(line1(s)), "registered");
                Map<String, Integer> before = probe.counts();

                long start = System.currentTimeMillis();
                for (char d : "1234567890".toCharArray()) {
                    probe.publish(fleetCmd(FLEET, "keys"), Character.toString(d));
                }
                probe.publish(fleetCmd(FLEET, "keys"), "{\"keys\":[\"CANCEL\"]}");
                // commands run in order: once this one is answered, the eleven before it were carried out
                probe.publish(fleetCmd(FLEET, "keys"), "sentinel");
                long deadline = System.currentTimeMillis() + 30_000;
                while (probe.last().get(MqttProbe.errors()) == null
                        || !"sentinel".equals(probe.last().get(MqttProbe.errors()).json().get("payload"))) {
                    assertThat(System.currentTimeMillis()).as("the commands are carried out").isLessThan(deadline);
                    Thread.sleep(20);
                }
                long took = System.currentTimeMillis() - start;
                // and then each phone's last published state is its state now
                for (int i = 1; i <= PHONES; i++) {
                    String p = FLEET + "-" + i;
                    Map<String, Object> now = rest(p);
                    assertThat(now.get("callState")).isEqualTo("idle");
                    while (!now.equals(probe.last().get(state(p)).json())) {
                        assertThat(System.currentTimeMillis()).as(p + "'s last state published").isLessThan(deadline);
                        Thread.sleep(20);
                    }
                }

                Map<String, Integer> after = probe.counts();
                int most = 0;
                int total = 0;
                for (int i = 1; i <= PHONES; i++) {
                    String t = state(FLEET + "-" + i);
                    int n = after.getOrDefault(t, 0) - before.getOrDefault(t, 0);
                    most = Math.max(most, n);
                    total += n;
                }
                // one flush per interval while the commands ran, the partial ones at both ends, the last one
                long bound = took / interval + 3;
                System.out.printf("%d phones x 11 changes in %d ms: %d states published (at most %d for one phone;"
                        + " bound %d)%n", PHONES, took, total, most, bound);
                assertThat(most).as("states of one phone in %d ms", took).isLessThanOrEqualTo((int) bound);
                assertThat(total).isLessThan(PHONES * 11);
            } finally {
                deleteFleet(FLEET);
            }
        }
    }

    private static void awaitAll(MqttProbe probe, Predicate<Map<String, Object>> ok, String what)
            throws InterruptedException {
        long deadline = System.currentTimeMillis() + 30_000;
        Map<String, Boolean> done = new HashMap<>();
        while (done.size() < PHONES) {
            Map<String, MqttProbe.Received> last = probe.last();
            for (int i = 1; i <= PHONES; i++) {
                String p = FLEET + "-" + i;
                MqttProbe.Received r = last.get(state(p));
                if (r != null && r.payload().length > 0 && ok.test(r.json())) {
                    done.put(p, true);
                } else {
                    done.remove(p);
                }
            }
            if (System.currentTimeMillis() > deadline) {
                throw new AssertionError(done.size() + " of " + PHONES + " phones " + what + " on MQTT; REST says "
                        + io.restassured.RestAssured.given().get("/api/fleets/" + FLEET).asString() + "; "
                        + probe.counts().values().stream().mapToInt(Integer::intValue).sum() + " messages");
            }
            Thread.sleep(50);
        }
    }
}
