package io.sipfleet.api.mqtt;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Predicate;
import org.eclipse.microprofile.config.ConfigProvider;
import org.eclipse.paho.client.mqttv3.IMqttDeliveryToken;
import org.eclipse.paho.client.mqttv3.MqttCallback;
import org.eclipse.paho.client.mqttv3.MqttClient;
import org.eclipse.paho.client.mqttv3.MqttConnectOptions;
import org.eclipse.paho.client.mqttv3.MqttException;
import org.eclipse.paho.client.mqttv3.MqttMessage;
import org.eclipse.paho.client.mqttv3.persist.MemoryPersistence;

/**
 * A test client (Paho, MQTT 3.1.1) that records every message it receives and waits, with a deadline,
 * for the one a test expects.
 */
final class MqttProbe implements AutoCloseable {
    static final ObjectMapper JSON = new ObjectMapper();
    static final String BASE = "sipfleet";

    /** A message as it arrived. */
    record Received(String topic, byte[] payload, boolean retained) {
        String text() {
            return new String(payload, StandardCharsets.UTF_8);
        }

        Map<String, Object> json() {
            try {
                return JSON.readValue(payload, new TypeReference<>() {});
            } catch (java.io.IOException e) {
                throw new AssertionError("not JSON on " + topic + ": " + text(), e);
            }
        }
    }

    private final MqttClient client;
    private final List<Received> received = new CopyOnWriteArrayList<>();
    private final Map<String, Received> last = new java.util.concurrent.ConcurrentHashMap<>();
    private final Map<String, java.util.concurrent.atomic.AtomicInteger> counts =
            new java.util.concurrent.ConcurrentHashMap<>();
    private volatile boolean keepAll = true;

    private MqttProbe(MqttClient client) {
        this.client = client;
    }

    /** The broker the service under test uses (embedded, or the Mosquitto of the test profile). */
    static int brokerPort() {
        return ConfigProvider.getConfig().getValue("sipfleet.mqtt.port", Integer.class);
    }

    static MqttProbe connect() throws MqttException {
        return connect(brokerPort(), null, null);
    }

    static MqttProbe connect(int port, String user, String password) throws MqttException {
        return connect("tcp://127.0.0.1:" + port, user, password, null);
    }

    /**
     * @param serverUri {@code tcp://} or {@code ssl://}
     * @param tls the socket factory for {@code ssl://} (one trusting the broker's certificate), else null
     */
    static MqttProbe connect(String serverUri, String user, String password, javax.net.SocketFactory tls)
            throws MqttException {
        MqttClient c = new MqttClient(serverUri, MqttClient.generateClientId(), new MemoryPersistence());
        MqttProbe probe = new MqttProbe(c);
        c.setCallback(new MqttCallback() {
            @Override
            public void connectionLost(Throwable cause) {}

            @Override
            public void messageArrived(String topic, MqttMessage message) {
                Received r = new Received(topic, message.getPayload(), message.isRetained());
                if (probe.keepAll) {
                    probe.received.add(r);
                }
                probe.last.put(topic, r);
                probe.counts.computeIfAbsent(topic, t -> new java.util.concurrent.atomic.AtomicInteger()).incrementAndGet();
            }

            @Override
            public void deliveryComplete(IMqttDeliveryToken token) {}
        });
        MqttConnectOptions o = new MqttConnectOptions();
        o.setMqttVersion(MqttConnectOptions.MQTT_VERSION_3_1_1);
        o.setCleanSession(true);
        o.setMaxInflight(2_000);
        o.setConnectionTimeout(5);
        if (tls != null) {
            o.setSocketFactory(tls);
        }
        if (user != null) {
            o.setUserName(user);
            o.setPassword(password.toCharArray());
        }
        c.connect(o);
        return probe;
    }

    MqttProbe subscribe(String... filters) throws MqttException {
        return subscribe(1, filters);
    }

    /**
     * At QoS 0 a late subscriber sees the RETAIN flag on either broker; Moquette 0.17 leaves it off
     * the retained messages it hands out at QoS 1.
     */
    MqttProbe subscribe(int qos, String... filters) throws MqttException {
        for (String f : filters) {
            client.subscribe(f, qos);
        }
        return this;
    }

    void publish(String topic, String payload) throws MqttException {
        publish(topic, payload.getBytes(StandardCharsets.UTF_8), false);
    }

    void publish(String topic, byte[] payload, boolean retained) throws MqttException {
        client.publish(topic, payload, 1, retained);
    }

    List<Received> received() {
        return List.copyOf(received);
    }

    /** For many messages: keep only the last one and a count per topic. */
    MqttProbe countOnly() {
        keepAll = false;
        return this;
    }

    /** The last message on each topic. */
    Map<String, Received> last() {
        return Map.copyOf(last);
    }

    /** How many messages arrived on each topic. */
    Map<String, Integer> counts() {
        Map<String, Integer> m = new java.util.HashMap<>();
        counts.forEach((t, n) -> m.put(t, n.get()));
        return m;
    }

    List<Received> on(String topic) {
        return received.stream().filter(r -> r.topic().equals(topic)).toList();
    }

    /** The first message on {@code topic} that matches, waiting up to {@code ms}. */
    Received await(String topic, Predicate<Received> matches, long ms, String what) throws InterruptedException {
        long deadline = System.currentTimeMillis() + ms;
        while (true) {
            Optional<Received> r = received.stream().filter(m -> m.topic().equals(topic)).filter(matches).findFirst();
            if (r.isPresent()) {
                return r.get();
            }
            if (System.currentTimeMillis() > deadline) {
                throw new AssertionError("not within " + ms + " ms: " + what + " on " + topic + "; got there: "
                        + on(topic).stream().map(Received::text).toList());
            }
            Thread.sleep(10);
        }
    }

    /** The first event of that type on the phone's events topic. */
    Map<String, Object> awaitEvent(String phone, String type, long ms) throws InterruptedException {
        return await(events(phone), r -> type.equals(r.json().get("type")), ms, "a " + type + " event").json();
    }

    /** The phone's latest state on MQTT once it matches. */
    Map<String, Object> awaitState(String phone, Predicate<Map<String, Object>> matches, long ms, String what)
            throws InterruptedException {
        long deadline = System.currentTimeMillis() + ms;
        while (true) {
            List<Received> states = on(state(phone));
            if (!states.isEmpty()) {
                Received last = states.get(states.size() - 1);
                if (last.payload().length > 0 && matches.test(last.json())) {
                    return last.json();
                }
            }
            if (System.currentTimeMillis() > deadline) {
                throw new AssertionError("not within " + ms + " ms: " + phone + " " + what + "; its states: "
                        + states.stream().map(Received::text).toList());
            }
            Thread.sleep(10);
        }
    }

    static String state(String phone) {
        return BASE + "/phones/" + phone + "/state";
    }

    static String events(String phone) {
        return BASE + "/phones/" + phone + "/events";
    }

    static String phoneCmd(String phone, String cmd) {
        return BASE + "/phones/" + phone + "/cmd/" + cmd;
    }

    static String fleetCmd(String fleet, String cmd) {
        return BASE + "/fleets/" + fleet + "/cmd/" + cmd;
    }

    static String serverCmd(String server) {
        return BASE + "/servers/" + server + "/cmd/availability";
    }

    static String errors() {
        return BASE + "/errors";
    }

    /** Line 1's state in a phone's JSON. */
    @SuppressWarnings("unchecked")
    static String line1(Map<String, Object> phone) {
        return (String) ((List<Map<String, Object>>) phone.get("lines")).get(0).get("state");
    }

    @Override
    public void close() {
        try {
            if (client.isConnected()) {
                client.disconnect(1_000);
            }
            client.close(true);
        } catch (MqttException e) {
            // going anyway
        }
    }
}
