package io.sipfleet.api.mqtt;

import static io.restassured.RestAssured.given;
import static io.sipfleet.api.mqtt.MqttProbe.errors;
import static io.sipfleet.api.mqtt.MqttProbe.events;
import static io.sipfleet.api.mqtt.MqttProbe.fleetCmd;
import static io.sipfleet.api.mqtt.MqttProbe.line1;
import static io.sipfleet.api.mqtt.MqttProbe.phoneCmd;
import static io.sipfleet.api.mqtt.MqttProbe.serverCmd;
import static io.sipfleet.api.mqtt.MqttProbe.state;
import static io.sipfleet.api.mqtt.MqttScenarios.awaitRegistered;
import static io.sipfleet.api.mqtt.MqttScenarios.deleteFleet;
import static io.sipfleet.api.mqtt.MqttScenarios.fleet;
import static io.sipfleet.api.mqtt.MqttScenarios.rest;
import static org.assertj.core.api.Assertions.assertThat;

import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import jakarta.inject.Inject;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Every topic of api.md "MQTT" against the embedded broker, with a Paho client: commands for one
 * phone, a fleet and a server; the retained state, the events and the error answers.
 */
@QuarkusTest
class MqttCommandsTest {
    @Inject
    MqttCommands commands;

    @Test
    void aCallIsPlacedAndAnsweredPurelyByMqttKeysAndHookCommands() throws Exception {
        MqttScenarios.callByMqtt("mcall", 5101);
    }

    @Test
    void aFleetWideHookCommandLiftsAndHangsUpEveryPhoneOfTheFleet() throws Exception {
        String[] phones = {"mfh-1", "mfh-2", "mfh-3"};
        try (MqttProbe probe = MqttProbe.connect()) {
            probe.subscribe(BASE_PHONES + "+/state", BASE_PHONES + "+/events", errors());
            fleet("mfh", 3, 5201, "");
            try {
                awaitRegistered(probe, phones);
                probe.publish(fleetCmd("mfh", "hook"), "off");
                for (String p : phones) {
                    probe.awaitState(p, s -> "off".equals(s.get("hook")), 5_000, "off hook");
                    assertThat(probe.awaitEvent(p, "hook", 5_000).get("state")).isEqualTo("off");
                    assertThat(rest(p).get("hook")).isEqualTo("off");
                }
                probe.publish(fleetCmd("mfh", "hook"), "{\"state\":\"on\"}");
                for (String p : phones) {
                    probe.awaitState(p, s -> "on".equals(s.get("hook")), 5_000, "on hook again");
                }
                assertThat(probe.on(errors())).isEmpty();
            } finally {
                deleteFleet("mfh");
            }
        }
    }

    @Test
    void registerAndKeysCommandsReachOnePhoneOrAWholeFleet() throws Exception {
        String[] phones = {"mfr-1", "mfr-2"};
        try (MqttProbe probe = MqttProbe.connect()) {
            probe.subscribe(BASE_PHONES + "+/state", BASE_PHONES + "+/events", errors());
            fleet("mfr", 2, 5301, "");
            try {
                awaitRegistered(probe, phones);
                probe.publish(phoneCmd("mfr-1", "register"), "{\"line\":1}");
                probe.await(events("mfr-1"), r -> "registering".equals(r.json().get("type"))
                        && "manual".equals(r.json().get("trigger")), 5_000, "a manual registration");
                probe.publish(fleetCmd("mfr", "register"), "{\"line\":1}");
                probe.await(events("mfr-2"), r -> "registering".equals(r.json().get("type"))
                        && "manual".equals(r.json().get("trigger")), 5_000, "a manual registration");

                probe.publish(fleetCmd("mfr", "keys"), "{\"keys\":[\"5\",\"CANCEL\"]}");
                probe.publish(phoneCmd("mfr-2", "keys"), "7");
                for (String p : phones) {
                    probe.await(events(p), r -> "key".equals(r.json().get("type"))
                            && "CANCEL".equals(r.json().get("key")), 5_000, "CANCEL pressed");
                }
                probe.await(events("mfr-2"), r -> "key".equals(r.json().get("type"))
                        && "7".equals(r.json().get("key")), 5_000, "7 pressed");
                assertThat(probe.on(errors())).isEmpty();
            } finally {
                deleteFleet("mfr");
            }
        }
    }

    @Test
    void thePrimaryGoesSilentByMqttAndTheFailoverEventsArriveOnMqtt() throws Exception {
        try (MqttProbe probe = MqttProbe.connect()) {
            probe.subscribe(BASE_PHONES + "+/state", BASE_PHONES + "+/events", errors());
            fleet("mfo", 2, 5401, "\"failbackInterval\":2,\"keepAliveInterval\":1");
            try {
                awaitRegistered(probe, "mfo-1", "mfo-2");
                probe.publish(serverCmd("primary"), "silent");
                for (String p : List.of("mfo-1", "mfo-2")) {
                    Map<String, Object> f = probe.awaitEvent(p, "failover", 10_000);
                    assertThat(f.get("from")).isEqualTo("primary");
                    assertThat(f.get("to")).isEqualTo("backup");
                    probe.awaitState(p, s -> "backup".equals(activeServer(s)), 10_000, "on the backup");
                }
                assertThat(given().get("/api/servers/primary").jsonPath().getString("mode")).isEqualTo("silent");
                probe.publish(serverCmd("primary"), "{\"mode\":\"up\"}");
                for (String p : List.of("mfo-1", "mfo-2")) {
                    probe.awaitEvent(p, "failback", 10_000);
                    probe.awaitState(p, s -> "primary".equals(activeServer(s)), 10_000, "back on the primary");
                }
                assertThat(probe.on(errors())).isEmpty();
            } finally {
                given().contentType(ContentType.JSON).body("{\"mode\":\"up\"}").put("/api/servers/primary/availability");
                deleteFleet("mfo");
            }
        }
    }

    @Test
    void aLateSubscriberGetsEachPhonesRetainedStateAsGetPhoneGivesIt() throws Exception {
        try (MqttProbe early = MqttProbe.connect()) {
            early.subscribe(state("mls-1"), state("mls-2"));
            fleet("mls", 2, 5501, "");
            try {
                awaitRegistered(early, "mls-1", "mls-2");
                try (MqttProbe late = MqttProbe.connect()) {
                    late.subscribe(0, BASE_PHONES + "+/state");
                    for (String p : List.of("mls-1", "mls-2")) {
                        MqttProbe.Received r = late.await(state(p), MqttProbe.Received::retained, 5_000,
                                "a retained state");
                        assertThat(r.json()).isEqualTo(rest(p));
                        assertThat(r.text()).contains("\"password\":\"****\"").doesNotContain("pw55");
                    }
                }
            } finally {
                deleteFleet("mls");
            }
        }
    }

    @Test
    void aDeletedFleetsRetainedStatesAreCleared() throws Exception {
        try (MqttProbe probe = MqttProbe.connect()) {
            probe.subscribe(state("mdel-1"), state("mkeep-1"));
            fleet("mdel", 1, 5601, "");
            fleet("mkeep", 1, 5602, "");
            try {
                awaitRegistered(probe, "mdel-1", "mkeep-1");
                deleteFleet("mdel");
                probe.await(state("mdel-1"), r -> r.payload().length == 0, 5_000, "an empty retained message");
                try (MqttProbe late = MqttProbe.connect()) {
                    // retained messages come in the order of the subscriptions: once mkeep-1's is in,
                    // mdel-1's would have come before it
                    late.subscribe(0, state("mdel-1"));
                    late.subscribe(0, state("mkeep-1"));
                    late.await(state("mkeep-1"), MqttProbe.Received::retained, 10_000, "a retained state");
                    assertThat(late.on(state("mdel-1"))).isEmpty();
                }
            } finally {
                deleteFleet("mkeep");
            }
        }
    }

    @Test
    void badCommandsAreAnsweredOnErrorsNamingWhatIsWrong() throws Exception {
        try (MqttProbe probe = MqttProbe.connect()) {
            probe.subscribe(errors(), state("merr-1"));
            fleet("merr", 1, 5701, "");
            try {
                awaitRegistered(probe, "merr-1");
                Map<String, Object> before = rest("merr-1");
                String[][] cases = {
                        {phoneCmd("nobody-1", "hook"), "off", "no phone 'nobody-1'"},
                        {phoneCmd("merr-1", "keys"), "10x#", "'x' at position 3 is not a dial key"},
                        {phoneCmd("merr-1", "keys"), "{\"keys\":[\"1\",\"FLY\"]}", "unknown key 'FLY'"},
                        {phoneCmd("merr-1", "hook"), "{\"state\":\"off\",\"loud\":true}", "unknown field 'loud'"},
                        {phoneCmd("merr-1", "register"), "{\"line\":\"1\"}", "'line' has the wrong type"},
                        {phoneCmd("merr-1", "register"), "{\"line\":9}", "has no line 9"},
                        {phoneCmd("merr-1", "hook"), "sideways", "a hook command is off or on"},
                        {fleetCmd("nofleet", "hook"), "off", "no fleet named 'nofleet'"},
                        {serverCmd("primary"), "sideways", "unknown mode 'sideways'"},
                        {serverCmd("tertiary"), "up", "no server named 'tertiary'"},
                        {MqttProbe.BASE + "/phones/merr-1/cmd/dance", "now", "unknown command topic"},
                        {phoneCmd("merr-1", "hook"), "{\"state\":", "malformed JSON"},
                };
                for (String[] c : cases) {
                    probe.publish(c[0], c[1]);
                }
                // a retained command comes again with each (re)subscription: refused, and answered
                assertThat(commands.handle(phoneCmd("merr-1", "hook"), "off".getBytes(), true)).isFalse();
                probe.await(errors(), r -> ((String) r.json().get("error")).contains("retained command"), 5_000,
                        "the retained command refused");
                for (String[] c : cases) {
                    Map<String, Object> e = probe.await(errors(), r -> c[0].equals(r.json().get("topic"))
                            && c[1].equals(r.json().get("payload")), 5_000, "the answer to " + c[1]).json();
                    assertThat((String) e.get("error")).as(c[0] + " " + c[1]).contains(c[2]);
                }
                assertThat(probe.on(errors())).hasSize(cases.length + 1);
                assertThat(rest("merr-1")).isEqualTo(before);
                probe.publish(phoneCmd("merr-1", "hook"), new byte[0], false);
                probe.await(errors(), r -> "".equals(r.json().get("payload")), 5_000, "the empty payload refused");
                assertThat(probe.on(errors()).get(cases.length + 1).json().get("error")).isEqualTo("the payload is empty");
            } finally {
                deleteFleet("merr");
            }
        }
    }

    static final String BASE_PHONES = MqttProbe.BASE + "/phones/";

    @SuppressWarnings("unchecked")
    static String activeServer(Map<String, Object> phone) {
        return (String) ((List<Map<String, Object>>) phone.get("lines")).get(0).get("activeServer");
    }

    static boolean registered(Map<String, Object> phone) {
        return "registered".equals(line1(phone));
    }
}
