package io.sipfleet.api.mqtt;

import io.moquette.interception.AbstractInterceptHandler;
import io.moquette.interception.messages.InterceptConnectMessage;
import io.moquette.interception.messages.InterceptConnectionLostMessage;
import io.moquette.interception.messages.InterceptDisconnectMessage;
import io.moquette.interception.messages.InterceptSubscribeMessage;
import io.moquette.interception.messages.InterceptUnsubscribeMessage;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;

/**
 * Who is subscribed to what on the embedded broker, so that the service publishes only what someone can
 * receive: an event on a topic nobody subscribes to would be dropped by the broker anyway, and a phone's
 * retained state is handed to a subscriber when one comes (a hundred thousand phones publish nothing,
 * and hold no broker memory, until a dashboard or a test rig subscribes). With an external broker the
 * service cannot know, and publishes everything.
 */
@ApplicationScoped
public class MqttSubscribers {
    private volatile boolean known;
    /** Topic filters by client; clients with a clean session lose theirs when they go. */
    private final Map<String, Set<String>> filters = new ConcurrentHashMap<>();
    private final Set<String> cleanClients = ConcurrentHashMap.newKeySet();
    private volatile List<String> all = List.of();
    private final List<Consumer<String>> onSubscribe = new CopyOnWriteArrayList<>();

    /** Whether the subscriptions are known (the embedded broker); otherwise every topic counts as wanted. */
    public boolean known() {
        return known;
    }

    /** Whether a message on {@code topic} would reach anyone. */
    public boolean wanted(String topic) {
        if (!known) {
            return true;
        }
        for (String f : all) {
            if (matches(f, topic)) {
                return true;
            }
        }
        return false;
    }

    /** Told each topic filter someone subscribes to (on the broker's interceptor thread). */
    public void onSubscribe(Consumer<String> listener) {
        onSubscribe.add(listener);
    }

    /** MQTT 3.1.1 topic filter matching: {@code +} one level, {@code #} the rest. */
    static boolean matches(String filter, String topic) {
        int f = 0;
        int t = 0;
        int fl = filter.length();
        int tl = topic.length();
        while (f < fl) {
            char c = filter.charAt(f);
            if (c == '#') {
                return true;
            }
            if (c == '+') {
                while (t < tl && topic.charAt(t) != '/') {
                    t++;
                }
                f++;
            } else {
                if (t >= tl || topic.charAt(t) != c) {
                    // "a/#" matches "a" too
                    return t == tl && filter.startsWith("/#", f);
                }
                f++;
                t++;
            }
        }
        return t == tl;
    }

    /** What the embedded broker tells about its clients. */
    AbstractInterceptHandler interceptor() {
        known = true;
        return new AbstractInterceptHandler() {
            @Override
            public String getID() {
                return "sipfleet-subscribers";
            }

            @Override
            public void onConnect(InterceptConnectMessage m) {
                if (m.isCleanSession()) {
                    cleanClients.add(m.getClientID());
                    drop(m.getClientID());
                } else {
                    cleanClients.remove(m.getClientID());
                }
            }

            @Override
            public void onDisconnect(InterceptDisconnectMessage m) {
                gone(m.getClientID());
            }

            @Override
            public void onConnectionLost(InterceptConnectionLostMessage m) {
                gone(m.getClientID());
            }

            @Override
            public void onSubscribe(InterceptSubscribeMessage m) {
                filters.computeIfAbsent(m.getClientID(), k -> ConcurrentHashMap.newKeySet()).add(m.getTopicFilter());
                refresh();
                for (Consumer<String> l : onSubscribe) {
                    l.accept(m.getTopicFilter());
                }
            }

            @Override
            public void onUnsubscribe(InterceptUnsubscribeMessage m) {
                Set<String> s = filters.get(m.getClientID());
                if (s != null) {
                    s.remove(m.getTopicFilter());
                }
                refresh();
            }

            @Override
            public void onSessionLoopError(Throwable error) {
                // the broker logs it
            }
        };
    }

    private void gone(String client) {
        if (cleanClients.remove(client)) {
            drop(client); // a persistent session keeps its subscriptions (and the broker queues for it)
        }
    }

    private void drop(String client) {
        filters.remove(client);
        refresh();
    }

    private synchronized void refresh() {
        all = filters.values().stream().flatMap(Set::stream).distinct().toList();
    }
}
