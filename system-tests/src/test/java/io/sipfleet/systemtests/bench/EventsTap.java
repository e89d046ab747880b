package io.sipfleet.systemtests.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.sipfleet.systemtests.ServiceProcess;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import org.eclipse.paho.client.mqttv3.IMqttDeliveryToken;
import org.eclipse.paho.client.mqttv3.MqttCallback;
import org.eclipse.paho.client.mqttv3.MqttClient;
import org.eclipse.paho.client.mqttv3.MqttException;
import org.eclipse.paho.client.mqttv3.MqttMessage;

/**
 * Every phone event the service publishes ({@code sipfleet/phones/+/events}, subscribed at QoS 1 on its embedded
 * broker: at QoS 0 the broker dropped ~2.5% of them in a 5,000-phone storm): counts by type, and the first event of the watched types per phone with its {@code at} (the service's
 * simulation clock, which for a running service is its {@code System.currentTimeMillis()}: epoch ms) and
 * {@code reason}. Only the watched types are parsed; the others are counted from the raw text.
 */
final class EventsTap implements AutoCloseable {
    private static final ObjectMapper JSON = new ObjectMapper();

    /** The first event of a type for a phone. */
    record First(long at, String reason, long receivedMillis) {
    }

    private final MqttClient client;
    private final Set<String> watched;
    private final Map<String, Map<String, First>> firsts = new ConcurrentHashMap<>();
    private final Map<String, AtomicLong> counts = new ConcurrentHashMap<>();
    private final AtomicLong messages = new AtomicLong();
    private final AtomicLong unparsable = new AtomicLong();
    private volatile Throwable lost;

    EventsTap(ServiceProcess svc, Set<String> watchedTypes) {
        this.watched = Set.copyOf(watchedTypes);
        watched.forEach(t -> firsts.put(t, new ConcurrentHashMap<>()));
        this.client = svc.mqtt("events-tap");
        client.setCallback(new MqttCallback() {
            @Override
            public void connectionLost(Throwable cause) {
                lost = cause;
            }

            @Override
            public void messageArrived(String topic, MqttMessage message) {
                on(message.getPayload());
            }

            @Override
            public void deliveryComplete(IMqttDeliveryToken token) {
            }
        });
        try {
            client.subscribe("sipfleet/phones/+/events", 1);
        } catch (MqttException e) {
            throw new IllegalStateException("cannot subscribe to the events: " + e, e);
        }
    }

    private void on(byte[] payload) {
        messages.incrementAndGet();
        String s = new String(payload, StandardCharsets.UTF_8);
        int i = s.indexOf("\"type\":\"");
        if (i < 0) {
            unparsable.incrementAndGet();
            return;
        }
        int from = i + 8;
        int to = s.indexOf('"', from);
        String type = to < 0 ? "?" : s.substring(from, to);
        counts.computeIfAbsent(type, k -> new AtomicLong()).incrementAndGet();
        if (!watched.contains(type)) {
            return;
        }
        try {
            JsonNode e = JSON.readTree(s);
            String phone = e.path("phone").asText();
            firsts.get(type).putIfAbsent(phone, new First(e.path("at").asLong(), e.path("reason").asText(""),
                    System.currentTimeMillis()));
        } catch (java.io.IOException e) {
            unparsable.incrementAndGet();
        }
    }

    /** The first event of {@code type} per phone id (a watched type). */
    Map<String, First> first(String type) {
        return firsts.get(type);
    }

    long count(String type) {
        AtomicLong c = counts.get(type);
        return c == null ? 0 : c.get();
    }

    String describeCounts() {
        Map<String, Long> sorted = new TreeMap<>();
        counts.forEach((k, v) -> sorted.put(k, v.get()));
        return messages.get() + " events " + sorted + (unparsable.get() > 0 ? ", " + unparsable.get() + " unparsable" : "")
                + (lost != null ? "; CONNECTION LOST: " + lost : "");
    }

    @Override
    public void close() {
        try {
            client.disconnect(5_000);
        } catch (MqttException ignored) {
            // going anyway
        }
        try {
            client.close(true);
        } catch (MqttException ignored) {
            // gone
        }
    }
}
