package io.sipfleet.api.mqtt;

import io.moquette.broker.Server;
import io.moquette.broker.config.IConfig;
import io.moquette.broker.config.MemoryConfig;
import io.moquette.broker.security.IAuthenticator;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import io.sipfleet.api.config.SipfleetConfig;
import io.smallrye.reactive.messaging.mqtt.Clients;
import jakarta.annotation.Priority;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.List;
import java.util.Properties;
import org.jboss.logging.Logger;

/**
 * The embedded MQTT broker (Moquette, MQTT 3.1.1), on by default: loopback only, in memory, no
 * telemetry. Started before everything else so that it listens when the messaging channels connect.
 * Bound to anything but loopback it demands the configured username and password of every client, and
 * refuses to start without them.
 */
@ApplicationScoped
public class EmbeddedBroker {
    private static final Logger LOG = Logger.getLogger(EmbeddedBroker.class);
    /** Room for a phone's state (a V3 with six lines is a few kB) and then some. */
    static final int MAX_MESSAGE_BYTES = 65_536;

    private final SipfleetConfig.Mqtt config;
    private final MqttSubscribers subscribers;
    private Server server;

    EmbeddedBroker(SipfleetConfig config, MqttSubscribers subscribers) {
        this.config = config.mqtt();
        this.subscribers = subscribers;
    }

    void start(@Observes @Priority(1) StartupEvent event) throws Exception {
        if (!config.embedded()) {
            LOG.infof("MQTT: external broker %s:%d%s%s", config.host(), config.port(), config.tls() ? " over TLS" : "",
                    config.username().map(u -> " as " + u).orElse(""));
            return;
        }
        check(config);
        Properties p = new Properties();
        p.setProperty(IConfig.HOST_PROPERTY_NAME, config.bindAddress());
        p.setProperty(IConfig.PORT_PROPERTY_NAME, Integer.toString(config.port()));
        p.setProperty(IConfig.PERSISTENCE_ENABLED_PROPERTY_NAME, "false");
        p.setProperty(IConfig.ENABLE_TELEMETRY_NAME, "false"); // it would phone home otherwise
        p.setProperty(IConfig.NETTY_MAX_BYTES_PROPERTY_NAME, Integer.toString(MAX_MESSAGE_BYTES));
        p.setProperty(IConfig.SESSION_QUEUE_SIZE, "16384");
        p.setProperty("immediate_buffer_flush", "true");
        boolean auth = config.username().isPresent();
        p.setProperty(IConfig.ALLOW_ANONYMOUS_PROPERTY_NAME, Boolean.toString(!auth));
        server = new Server();
        try {
            server.startServer(new MemoryConfig(p), List.of(subscribers.interceptor()), null,
                    auth ? new OneUser(config.username().get(), config.password().orElse("")) : null, null);
        } catch (RuntimeException e) {
            server = null;
            throw new IllegalStateException("the embedded MQTT broker cannot listen on " + config.bindAddress() + ":"
                    + config.port() + " (" + e.getMessage() + "); set sipfleet.mqtt.port, or sipfleet.mqtt.embedded"
                    + "=false to use an external broker", e);
        }
        LOG.infof("MQTT: embedded broker on %s:%d (MQTT 3.1.1)%s", config.bindAddress(), config.port(),
                auth ? ", username and password required" : "");
    }

    /**
     * Refuses a configuration that would expose an open broker, or one the service could not reach.
     *
     * @throws IllegalStateException naming the keys to set
     */
    static void check(SipfleetConfig.Mqtt c) {
        if (c.tls()) {
            throw new IllegalStateException("sipfleet.mqtt.tls=true needs an external broker "
                    + "(sipfleet.mqtt.embedded=false): the embedded broker speaks plain MQTT");
        }
        boolean loopback = isLoopback(c.bindAddress());
        if (!loopback && (c.username().isEmpty() || c.password().isEmpty())) {
            throw new IllegalStateException("the embedded MQTT broker binds " + c.bindAddress() + ", which is not "
                    + "loopback: set sipfleet.mqtt.username and sipfleet.mqtt.password (every client must then give "
                    + "them), or bind it to 127.0.0.1 with sipfleet.mqtt.bind-address");
        }
        if (c.username().isPresent() != c.password().isPresent()) {
            throw new IllegalStateException("sipfleet.mqtt.username and sipfleet.mqtt.password go together: set both "
                    + "or neither");
        }
    }

    private static boolean isLoopback(String address) {
        try {
            return InetAddress.getByName(address).isLoopbackAddress();
        } catch (UnknownHostException e) {
            throw new IllegalStateException("sipfleet.mqtt.bind-address: unknown host " + address, e);
        }
    }

    void stop(@Observes @Priority(5000) ShutdownEvent event) {
        if (server != null) {
            // the service's own clients first, so that they do not try to reconnect to a stopping broker
            Clients.clear();
            server.stopServer();
            server = null;
        }
    }

    /** The one account of the embedded broker, compared in constant time. */
    private record OneUser(String username, String password) implements IAuthenticator {
        @Override
        public boolean checkValid(String clientId, String user, byte[] pass) {
            return user != null && pass != null
                    && MessageDigest.isEqual(username.getBytes(StandardCharsets.UTF_8), user.getBytes(StandardCharsets.UTF_8))
                    & MessageDigest.isEqual(password.getBytes(StandardCharsets.UTF_8), pass);
        }

        @Override
        public String toString() {
            return "OneUser[" + username + "]"; // never the password
        }
    }
}
