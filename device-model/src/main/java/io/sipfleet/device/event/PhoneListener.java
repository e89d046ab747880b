package io.sipfleet.device.event;

/**
 * The one listener port of a phone (architecture.md habit 4). The domain emits events and says when
 * what a person would see changed; adapters map that to MQTT, SSE, metrics. Called on the phone's
 * thread; must not block.
 */
public interface PhoneListener {
    PhoneListener NONE = e -> {};

    void onEvent(PhoneEvent event);

    /** Display, LEDs, tone, hook, line or call state changed. */
    default void onOutputsChanged(String phoneId) {}
}
