package io.sipfleet.api.mqtt;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import org.eclipse.microprofile.reactive.messaging.Channel;
import org.eclipse.microprofile.reactive.messaging.Emitter;
import org.eclipse.microprofile.reactive.messaging.Message;
import org.eclipse.microprofile.reactive.messaging.OnOverflow;

/**
 * The outgoing channel. A bean of its own because an emitter can be made only once the messaging
 * channels are wired, after the phones (and so {@link MqttPublisher}) have started: the publisher looks
 * it up when it first sends, which is after the connection is up.
 */
@ApplicationScoped
class MqttOutlet {
    static final String CHANNEL = "mqtt-out";
    /** Room for every message the publisher has in flight (its window) and then some. */
    static final int BUFFER = 1024;

    @Inject
    @Channel(CHANNEL)
    @OnOverflow(value = OnOverflow.Strategy.BUFFER, bufferSize = BUFFER)
    Emitter<byte[]> emitter;

    void send(Message<byte[]> m) {
        emitter.send(m);
    }
}
