package io.sipfleet.api.mqtt;

import static io.restassured.RestAssured.given;
import static io.sipfleet.api.mqtt.MqttProbe.errors;
import static io.sipfleet.api.mqtt.MqttProbe.fleetCmd;
import static io.sipfleet.api.mqtt.MqttProbe.phoneCmd;
import static io.sipfleet.api.mqtt.MqttProbe.serverCmd;
import static io.sipfleet.api.mqtt.MqttProbe.state;
import static io.sipfleet.api.mqtt.MqttScenarios.awaitRegistered;
import static io.sipfleet.api.mqtt.MqttScenarios.deleteFleet;
import static io.sipfleet.api.mqtt.MqttScenarios.fleet;
import static io.sipfleet.api.mqtt.MqttScenarios.rest;
import static org.assertj.core.api.Assertions.assertThat;

import io.quarkus.test.junit.QuarkusTest;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * 1,000 malformed commands (random bytes, wrong JSON, unknown keys and fields, wrong types, unknown
 * phones, fleets and servers, bad availability modes) get exactly 1,000 answers on {base}/errors, one
 * each, and change nothing: every phone shows what it showed before, the primary is still up, and the
 * commands after them are still carried out.
 */
@QuarkusTest
class MqttMalformedCommandsTest {
    private static final int COUNT = 1_000;
    private static final String FLEET = "mbad";
    private static final List<String> PHONES = List.of("mbad-1", "mbad-2", "mbad-3");

    record Command(String topic, byte[] payload) {}

    @Test
    void aThousandMalformedCommandsGetAThousandAnswersAndChangeNothing() throws Exception {
        try (MqttProbe probe = MqttProbe.connect()) {
            probe.subscribe(errors(), state("mbad-1"), state("mbad-2"), state("mbad-3"));
            fleet(FLEET, 3, 5801, "");
            try {
                awaitRegistered(probe, PHONES.toArray(String[]::new));
                Map<String, Map<String, Object>> before = snapshot();
                String primaryBefore = given().get("/api/servers/primary").jsonPath().getString("mode");

                List<Command> commands = malformed(new Random(20261124L));
                assertThat(commands).hasSize(COUNT);
                long start = System.currentTimeMillis();
                for (Command c : commands) {
                    probe.publish(c.topic(), c.payload(), false);
                }
                // one more, known: once its answer is in, every earlier answer is in (one command thread,
                // one publisher, in order)
                probe.publish(phoneCmd("mbad-1", "hook"), "sentinel");
                probe.await(errors(), r -> "sentinel".equals(r.json().get("payload")), 60_000, "the last answer");
                long took = System.currentTimeMillis() - start;

                List<MqttProbe.Received> answers = probe.on(errors());
                assertThat(answers).hasSize(COUNT + 1);
                // every command answered once, naming its topic and quoting its payload
                Map<String, Integer> sent = new HashMap<>();
                for (Command c : commands) {
                    sent.merge(c.topic() + "\u0000" + MqttCommands.quote(c.payload()), 1, Integer::sum);
                }
                Map<String, Integer> answered = new HashMap<>();
                for (MqttProbe.Received r : answers.subList(0, COUNT)) {
                    Map<String, Object> a = r.json();
                    assertThat(a).containsOnlyKeys("topic", "payload", "error");
                    assertThat((String) a.get("error")).isNotBlank();
                    answered.merge(a.get("topic") + "\u0000" + a.get("payload"), 1, Integer::sum);
                }
                assertThat(answered).isEqualTo(sent);

                assertThat(snapshot()).isEqualTo(before);
                assertThat(given().get("/api/servers/primary").jsonPath().getString("mode")).isEqualTo(primaryBefore);
                // the channel goes on: a good command after all that is carried out
                probe.publish(phoneCmd("mbad-2", "hook"), "off");
                probe.awaitState("mbad-2", s -> "off".equals(s.get("hook")), 5_000, "off hook");
                probe.publish(phoneCmd("mbad-2", "hook"), "on");
                probe.awaitState("mbad-2", s -> "on".equals(s.get("hook")), 5_000, "on hook");
                System.out.printf("%d malformed commands answered in %d ms%n", COUNT, took);
            } finally {
                deleteFleet(FLEET);
            }
        }
    }

    /** Each phone as GET /api/phones/{id} gives it, and its events. */
    private static Map<String, Map<String, Object>> snapshot() {
        Map<String, Map<String, Object>> s = new HashMap<>();
        for (String p : PHONES) {
            Map<String, Object> m = new HashMap<>(rest(p));
            m.put("events", given().get("/api/phones/" + p + "/events").jsonPath().getList("$"));
            s.put(p, m);
        }
        Map<String, Object> page = given().queryParam("fleet", FLEET).get("/api/phones").jsonPath().getMap("$");
        s.put("page", page);
        return s;
    }

    private static List<Command> malformed(Random rnd) {
        List<Command> out = new ArrayList<>(COUNT);
        String[] verbs = {"hook", "keys", "register"};
        for (int i = 0; i < COUNT; i++) {
            String phone = PHONES.get(rnd.nextInt(PHONES.size()));
            String verb = verbs[rnd.nextInt(verbs.length)];
            String target = rnd.nextBoolean() ? phoneCmd(phone, verb) : fleetCmd(FLEET, verb);
            out.add(switch (i % 10) {
                // random bytes that are never UTF-8 (0xFF cannot appear in UTF-8)
                case 0 -> new Command(target, randomBytes(rnd));
                // wrong JSON: broken, wrong types, unknown fields, trailing garbage
                case 1 -> text(target, pick(rnd, wrongJson(verb)));
                // unknown keys, and a LINE key for a line the phone has not
                case 2 -> text(rnd.nextBoolean() ? phoneCmd(phone, "keys") : fleetCmd(FLEET, "keys"),
                        pick(rnd, "12a#", "#x", "{\"keys\":[\"1\",\"FLY\"]}", "{\"keys\":[\"LINE9\"]}",
                                "{\"keys\":[\"LINE2\"]}", "{\"keys\":[]}", "{\"keys\":\"SEND\"}", "{\"keys\":[5]}",
                                "1 0 0 1", "\u00e9"));
                // unknown phones
                case 3 -> text(pick(rnd, phoneCmd("nobody-1", verb), phoneCmd(FLEET + "-" + (4 + rnd.nextInt(99)),
                        verb), phoneCmd("mbad", verb), phoneCmd(FLEET + "-0", verb)), validFor(verb));
                // unknown fleets
                case 4 -> text(fleetCmd("nofleet" + rnd.nextInt(1000), verb), validFor(verb));
                // bad availability modes, unknown servers
                case 5 -> text(serverCmd(pick(rnd, "primary", "backup")), pick(rnd, "sideways", "UP!", "404",
                        "{\"mode\":\"broken\"}", "{\"mode\":503}", "{\"mode\":\"up\",\"why\":1}", "{\"state\":\"up\"}",
                        "{\"mode\":null}", "[\"up\"]"));
                case 6 -> text(serverCmd(pick(rnd, "tertiary", "127.0.0.9:5060x", "nobody")), "up");
                // lines that do not exist or have no server
                case 7 -> text(rnd.nextBoolean() ? phoneCmd(phone, "register") : fleetCmd(FLEET, "register"),
                        pick(rnd, "{\"line\":0}", "{\"line\":7}", "{\"line\":2}", "{\"line\":-1}", "{}", "1"));
                // topics that are no command, and empty payloads
                case 8 -> text(pick(rnd, MqttProbe.BASE + "/phones/" + phone + "/cmd/dance",
                        MqttProbe.BASE + "/gadgets/" + phone + "/cmd/hook", MqttProbe.BASE + "/servers/primary/cmd/hook",
                        MqttProbe.BASE + "/fleets/" + FLEET + "/cmd/availability"), "off");
                default -> new Command(target, rnd.nextBoolean() ? new byte[0] : "  \n ".getBytes(StandardCharsets.UTF_8));
            });
        }
        return out;
    }

    private static String[] wrongJson(String verb) {
        return switch (verb) {
            case "hook" -> new String[] {"{\"state\":", "{\"state\":true}", "{\"state\":1}", "{\"state\":\"OFF\"}",
                    "{\"state\":\"off\",\"loud\":true}", "{\"hook\":\"off\"}", "{\"state\":\"off\"}}",
                    "{\"state\":\"off\",\"state\":\"on\"}", "{\"state\":null}", "[\"off\"]"};
            case "keys" -> new String[] {"{\"keys\":", "{\"keys\":[1,2]}", "{\"keys\":true}", "{\"keys\":null}",
                    "{\"keys\":\"1#\",\"x\":0}", "{\"key\":\"1#\"}", "{\"keys\":\"1#\"} x", "{\"keys\":{}}"};
            default -> new String[] {"{\"line\":", "{\"line\":\"1\"}", "{\"line\":1.5}", "{\"line\":true}",
                    "{\"line\":1,\"now\":true}", "{\"lines\":1}", "{\"line\":1}{", "{\"line\":[1]}",
                    "{\"line\":null}"};
        };
    }

    /** A payload the command would take, were its target there. */
    private static String validFor(String verb) {
        return switch (verb) {
            case "hook" -> "off";
            case "keys" -> "1#";
            default -> "{\"line\":1}";
        };
    }

    private static byte[] randomBytes(Random rnd) {
        byte[] b = new byte[1 + rnd.nextInt(64)];
        rnd.nextBytes(b);
        b[rnd.nextInt(b.length)] = (byte) 0xFF;
        return b;
    }

    private static Command text(String topic, String payload) {
        return new Command(topic, payload.getBytes(StandardCharsets.UTF_8));
    }

    @SafeVarargs
    private static <T> T pick(Random rnd, T... options) {
        return options[rnd.nextInt(options.length)];
    }
}
