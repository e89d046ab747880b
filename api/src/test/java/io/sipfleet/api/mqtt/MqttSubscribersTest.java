package io.sipfleet.api.mqtt;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** MQTT 3.1.1 topic filters, as the service decides whether anyone would receive a message. */
class MqttSubscribersTest {
    @Test
    void filtersMatchAsTheSpecificationSays() {
        String state = "sipfleet/phones/demo-1/state";
        assertThat(MqttSubscribers.matches("#", state)).isTrue();
        assertThat(MqttSubscribers.matches("sipfleet/#", state)).isTrue();
        assertThat(MqttSubscribers.matches("sipfleet/#", "sipfleet")).isTrue();
        assertThat(MqttSubscribers.matches("sipfleet/phones/+/state", state)).isTrue();
        assertThat(MqttSubscribers.matches("sipfleet/phones/demo-1/state", state)).isTrue();
        assertThat(MqttSubscribers.matches("sipfleet/phones/demo-2/state", state)).isFalse();
        assertThat(MqttSubscribers.matches("sipfleet/phones/+/events", state)).isFalse();
        assertThat(MqttSubscribers.matches("sipfleet/+", state)).isFalse();
        assertThat(MqttSubscribers.matches("+/+/+/+", state)).isTrue();
        assertThat(MqttSubscribers.matches("sipfleet/+/+/cmd/+", state)).isFalse();
        assertThat(MqttSubscribers.matches("sipfleet/errors", "sipfleet/errors")).isTrue();
        assertThat(MqttSubscribers.matches("sipfleet/errors", "sipfleet/errorsx")).isFalse();
    }

    @Test
    void withAnExternalBrokerEveryTopicIsWanted() {
        assertThat(new MqttSubscribers().wanted("sipfleet/phones/x/events")).isTrue();
    }
}
