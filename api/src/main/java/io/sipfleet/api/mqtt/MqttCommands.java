package io.sipfleet.api.mqtt;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.MapperFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.cfg.CoercionAction;
import com.fasterxml.jackson.databind.cfg.CoercionInputShape;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.type.LogicalType;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import io.sipfleet.api.control.PhoneControl;
import io.sipfleet.api.control.ServerControl;
import io.sipfleet.api.rest.NotFound;
import io.sipfleet.device.InvalidInputException;
import io.sipfleet.device.Key;
import io.sipfleet.device.Outputs;
import io.sipfleet.simulator.builtin.Mode;
import io.sipfleet.simulator.fleet.Fleet;
import io.sipfleet.simulator.fleet.PhoneHandle;
import io.smallrye.reactive.messaging.mqtt.ReceivingMqttMessageMetadata;
import jakarta.annotation.Priority;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import org.eclipse.microprofile.reactive.messaging.Incoming;
import org.eclipse.microprofile.reactive.messaging.Message;
import org.jboss.logging.Logger;

/**
 * The MQTT commands of api.md: {base}/phones/{id}/cmd/{hook,keys,register},
 * {base}/fleets/{fleet}/cmd/{hook,keys,register} and {base}/servers/{name}/cmd/availability.
 *
 * <p>The channel only hands each message to one command thread and acknowledges it, so a slow command
 * (a fleet of thousands) never holds up the connection and nothing thrown here can stop the channel.
 * Commands run one at a time, in the order they arrived. A refused command (unknown target, unreadable
 * payload, unknown key or field, wrong type, a retained command) changes nothing and is answered on
 * {base}/errors.
 */
@ApplicationScoped
public class MqttCommands {
    private static final Logger LOG = Logger.getLogger(MqttCommands.class);
    static final String CHANNEL = "mqtt-commands";
    /** Commands waiting for the command thread; past this, a command is refused at once. */
    private static final int BACKLOG = 10_000;
    /** The longest payload quoted back in an error answer. */
    private static final int QUOTE_MAX = 1_024;

    /** JSON payloads: no unknown field, no coercion between types, no trailing garbage, no duplicate field. */
    private static final ObjectMapper STRICT = JsonMapper.builder()
            .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
            .enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES)
            .disable(DeserializationFeature.ACCEPT_FLOAT_AS_INT)
            .disable(MapperFeature.ALLOW_COERCION_OF_SCALARS)
            .enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION)
            .withCoercionConfig(LogicalType.Textual, c -> c
                    .setCoercion(CoercionInputShape.Integer, CoercionAction.Fail)
                    .setCoercion(CoercionInputShape.Float, CoercionAction.Fail)
                    .setCoercion(CoercionInputShape.Boolean, CoercionAction.Fail))
            .withCoercionConfig(LogicalType.Integer, c -> c
                    .setCoercion(CoercionInputShape.String, CoercionAction.Fail)
                    .setCoercion(CoercionInputShape.Float, CoercionAction.Fail)
                    .setCoercion(CoercionInputShape.Boolean, CoercionAction.Fail)
                    .setCoercion(CoercionInputShape.EmptyString, CoercionAction.Fail))
            .build();

    record HookCommand(String state) {}

    record KeysCommand(Object keys) {}

    record RegisterCommand(Integer line) {}

    record AvailabilityCommand(String mode) {}

    private record Received(String topic, byte[] payload, boolean retained) {}

    private final PhoneControl phones;
    private final ServerControl servers;
    private final MqttPublisher out;
    private final BlockingQueue<Received> backlog = new ArrayBlockingQueue<>(BACKLOG);
    private volatile boolean running;
    private Thread thread;

    MqttCommands(PhoneControl phones, ServerControl servers, MqttPublisher out) {
        this.phones = phones;
        this.servers = servers;
        this.out = out;
    }

    /** On the connector's thread: hand over and acknowledge; never throws. */
    @Incoming(CHANNEL)
    public CompletionStage<Void> receive(Message<byte[]> message) {
        try {
            var meta = message.getMetadata(ReceivingMqttMessageMetadata.class);
            String topic = meta.map(ReceivingMqttMessageMetadata::getTopic).orElse("?");
            boolean retained = meta.map(ReceivingMqttMessageMetadata::isRetain).orElse(false);
            byte[] payload = message.getPayload() == null ? new byte[0] : message.getPayload();
            if (!backlog.offer(new Received(topic, payload, retained))) {
                out.error(topic, quote(payload), "too many commands waiting (" + BACKLOG + "); refused, send it again");
            }
        } catch (Throwable t) {
            LOG.error("MQTT: a command could not be taken", t);
        }
        return message.ack();
    }

    void start(@Observes @Priority(20) StartupEvent event) {
        running = true;
        thread = new Thread(this::run, "sipfleet-mqtt-commands");
        thread.setDaemon(true);
        thread.start();
    }

    void stop(@Observes @Priority(1) ShutdownEvent event) {
        running = false;
        if (thread != null) {
            thread.interrupt();
        }
    }

    private void run() {
        while (running) {
            Received r;
            try {
                r = backlog.poll(200, TimeUnit.MILLISECONDS);
            } catch (InterruptedException e) {
                continue;
            }
            if (r != null) {
                handle(r.topic(), r.payload(), r.retained());
            }
        }
    }

    /**
     * Carries out one command, or answers on {base}/errors why not. Never throws.
     *
     * @return whether it was carried out
     */
    boolean handle(String topic, byte[] payload, boolean retained) {
        try {
            if (retained) {
                throw new CommandRefused("a retained command is refused: the broker would give it again on every "
                        + "(re)subscription; publish commands without the retain flag (and clear this one with an "
                        + "empty retained message)");
            }
            execute(out.topics().parse(topic), text(payload));
            return true;
        } catch (NotFound e) {
            if (e.onAnotherShard()) {
                LOG.debugf("MQTT: %s is for another shard's phone: %s", topic, e.getMessage());
            } else {
                refuse(topic, payload, e.getMessage());
            }
        } catch (CommandRefused | InvalidInputException e) {
            refuse(topic, payload, e.getMessage());
        } catch (JsonProcessingException e) {
            refuse(topic, payload, describe(e));
        } catch (RuntimeException e) {
            // a phone that did not answer in time, and anything unforeseen: answered, never fatal
            LOG.warnf(e, "MQTT: command on %s failed", topic);
            refuse(topic, payload, "not carried out: " + e.getMessage());
        } catch (Throwable t) {
            LOG.errorf(t, "MQTT: command on %s failed", topic);
            refuse(topic, payload, "not carried out: internal error " + t.getClass().getSimpleName());
        }
        return false;
    }

    private void refuse(String topic, byte[] payload, String why) {
        LOG.debugf("MQTT: refused %s: %s", topic, why);
        out.error(topic, quote(payload), why);
    }

    private void execute(MqttTopics.Command c, String text) throws JsonProcessingException {
        switch (c.kind()) {
            case "phones" -> {
                PhoneHandle h = phones.phone(c.target());
                switch (c.verb()) {
                    case "hook" -> phones.hook(h, hook(text));
                    case "keys" -> phones.keys(h, keys(text));
                    default -> phones.register(h, line(text));
                }
            }
            case "fleets" -> {
                Fleet f = phones.fleet(c.target());
                switch (c.verb()) {
                    case "hook" -> phones.hook(f, hook(text));
                    case "keys" -> phones.keys(f, keys(text));
                    default -> phones.register(f, line(text));
                }
            }
            default -> {
                servers.availability(c.target(), mode(text));
            }
        }
    }

    // ---- payloads: plain text, or a JSON object like the REST body ---------------------------------

    private static Outputs.Hook hook(String text) throws JsonProcessingException {
        if (isJson(text)) {
            HookCommand h = STRICT.readValue(text, HookCommand.class);
            return PhoneControl.parseHook(h.state());
        }
        if (!text.equals("off") && !text.equals("on")) {
            throw new CommandRefused("a hook command is off or on, or {\"state\":\"off\"}; got '" + text + "'");
        }
        return PhoneControl.parseHook(text);
    }

    private static List<Key> keys(String text) throws JsonProcessingException {
        if (isJson(text)) {
            return PhoneControl.parseKeys(STRICT.readValue(text, KeysCommand.class).keys());
        }
        return Key.parseDialString(text, "keys");
    }

    private static int line(String text) throws JsonProcessingException {
        if (!isJson(text)) {
            throw new CommandRefused("a register command is a JSON object such as {\"line\":1}; got '" + text + "'");
        }
        RegisterCommand r = STRICT.readValue(text, RegisterCommand.class);
        if (r.line() == null) {
            throw new InvalidInputException("line", "line is required, as in {\"line\":1}");
        }
        return r.line();
    }

    private static Mode mode(String text) throws JsonProcessingException {
        if (isJson(text)) {
            return ServerControl.parseMode(STRICT.readValue(text, AvailabilityCommand.class).mode());
        }
        return ServerControl.parseMode(text);
    }

    private static boolean isJson(String text) {
        return text.startsWith("{");
    }

    /** The payload as text: UTF-8, trimmed, not empty. */
    private static String text(byte[] payload) {
        String s;
        try {
            s = StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(payload)).toString();
        } catch (CharacterCodingException e) {
            throw new CommandRefused("the payload is not UTF-8 text");
        }
        s = s.strip();
        if (s.isEmpty()) {
            throw new CommandRefused("the payload is empty");
        }
        return s;
    }

    /** The payload as it is quoted back in an error answer: lossy UTF-8, cut at 1,024 characters. */
    static String quote(byte[] payload) {
        String s = new String(payload, StandardCharsets.UTF_8);
        return s.length() <= QUOTE_MAX ? s : s.substring(0, QUOTE_MAX) + "... (" + payload.length + " bytes)";
    }

    /** A JSON error as a person can act on it, naming the field (as the REST API's problems do). */
    static String describe(JsonProcessingException e) {
        return io.sipfleet.api.JsonErrors.describe(e, "the payload").detail();
    }
}
