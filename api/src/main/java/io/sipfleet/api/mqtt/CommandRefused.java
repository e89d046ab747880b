package io.sipfleet.api.mqtt;

/** An MQTT command that is refused for a reason of its own (its topic, its payload's shape). */
public final class CommandRefused extends RuntimeException {
    public CommandRefused(String message) {
        super(message, null, false, false);
    }
}
