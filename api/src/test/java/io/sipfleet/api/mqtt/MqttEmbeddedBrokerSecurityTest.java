package io.sipfleet.api.mqtt;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.sipfleet.api.config.SipfleetConfig;
import java.lang.reflect.Proxy;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.Optional;
import org.eclipse.paho.client.mqttv3.MqttException;
import org.junit.jupiter.api.Test;

/**
 * The embedded broker's guard (no Quarkus here): bound to anything but loopback it will not start
 * without a username and password, and with them it turns away every client that does not give them.
 */
class MqttEmbeddedBrokerSecurityTest {

    record Mqtt(boolean embedded, String host, int port, String bindAddress, Optional<String> username,
                Optional<String> password, boolean tls, String baseTopic, Duration stateInterval, int queueSize)
            implements SipfleetConfig.Mqtt {
        static Mqtt bound(String address, int port, String user, String password) {
            return new Mqtt(true, "127.0.0.1", port, address, Optional.ofNullable(user), Optional.ofNullable(password),
                    false, "sipfleet", Duration.ofMillis(250), 1000);
        }
    }

    private static EmbeddedBroker broker(Mqtt mqtt) {
        SipfleetConfig config = (SipfleetConfig) Proxy.newProxyInstance(SipfleetConfig.class.getClassLoader(),
                new Class<?>[] {SipfleetConfig.class}, (proxy, method, args) -> {
                    if (method.getName().equals("mqtt")) {
                        return mqtt;
                    }
                    throw new UnsupportedOperationException(method.getName());
                });
        return new EmbeddedBroker(config, new MqttSubscribers());
    }

    @Test
    void boundToAnAddressThatIsNotLoopbackItRefusesToStartWithoutUsernameAndPassword() {
        // 192.0.2.1 (TEST-NET-1) is never bound: the check comes before any socket
        for (String address : new String[] {"0.0.0.0", "192.0.2.1"}) {
            assertThatThrownBy(() -> broker(Mqtt.bound(address, 1, null, null)).start(null))
                    .isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining(address).hasMessageContaining("not loopback")
                    .hasMessageContaining("sipfleet.mqtt.username").hasMessageContaining("sipfleet.mqtt.password");
            assertThatThrownBy(() -> broker(Mqtt.bound(address, 1, "sim", null)).start(null))
                    .isInstanceOf(IllegalStateException.class).hasMessageContaining("sipfleet.mqtt.password");
        }
        assertThatThrownBy(() -> EmbeddedBroker.check(Mqtt.bound("127.0.0.1", 1, "sim", null)))
                .hasMessageContaining("go together");
        assertThatThrownBy(() -> EmbeddedBroker.check(new Mqtt(true, "127.0.0.1", 1, "127.0.0.1", Optional.empty(),
                Optional.empty(), true, "sipfleet", Duration.ofMillis(250), 1000)))
                .hasMessageContaining("sipfleet.mqtt.embedded=false");
        EmbeddedBroker.check(Mqtt.bound("0.0.0.0", 1, "sim", "s3cret")); // accepted
        EmbeddedBroker.check(Mqtt.bound("127.0.0.1", 1, null, null)); // loopback: open is fine
    }

    @Test
    void withAUsernameAndPasswordTheBrokerTurnsAwayEveryClientWithoutThem() throws Exception {
        int port;
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            port = s.getLocalPort();
        }
        EmbeddedBroker broker = broker(Mqtt.bound("127.0.0.1", port, "sim", "s3cret"));
        broker.start(null);
        try {
            assertThatThrownBy(() -> MqttProbe.connect(port, null, null).close())
                    .isInstanceOf(MqttException.class);
            assertThatThrownBy(() -> MqttProbe.connect(port, "sim", "wrong").close())
                    .isInstanceOf(MqttException.class);
            assertThatThrownBy(() -> MqttProbe.connect(port, "someone", "s3cret").close())
                    .isInstanceOf(MqttException.class);
            try (MqttProbe ok = MqttProbe.connect(port, "sim", "s3cret")) {
                ok.subscribe("t").publish("t", "hello");
                assertThat(ok.await("t", r -> true, 5_000, "its own message").text()).isEqualTo("hello");
            }
        } finally {
            broker.stop(null);
        }
    }
}
