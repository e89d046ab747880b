package io.sipfleet.api.mqtt;

/**
 * The topic names of api.md "MQTT" under the configured base topic, and the parsing of a command topic
 * ({base}/phones/{id}/cmd/{hook,keys,register}, {base}/fleets/{fleet}/cmd/{...},
 * {base}/servers/{name}/cmd/availability).
 */
public final class MqttTopics {
    private final String base;

    public MqttTopics(String base) {
        if (base == null || base.isEmpty() || base.startsWith("/") || base.endsWith("/") || base.contains("+")
                || base.contains("#") || base.contains("\u0000")) {
            throw new IllegalStateException("sipfleet.mqtt.base-topic must be a topic without wildcards and without a "
                    + "leading or trailing '/', such as sipfleet or lab/sipfleet; got '" + base + "'");
        }
        this.base = base;
    }

    public String base() {
        return base;
    }

    /** The one filter the service subscribes to: every command topic matches it. */
    public String commands() {
        return base + "/+/+/cmd/+";
    }

    public String state(String phone) {
        return base + "/phones/" + phone + "/state";
    }

    public String events(String phone) {
        return base + "/phones/" + phone + "/events";
    }

    public String errors() {
        return base + "/errors";
    }

    /** A scenario run's progress: one message per journal entry. */
    public String runProgress(String run) {
        return base + "/runs/" + run + "/progress";
    }

    /** A scenario run's verdict (retained). */
    public String runVerdict(String run) {
        return base + "/runs/" + run + "/verdict";
    }

    /** What a command topic names: phones, fleets or servers; the id or name; the command. */
    public record Command(String kind, String target, String verb) {}

    /** @throws CommandRefused when the topic is not a command topic of this service */
    public Command parse(String topic) {
        String prefix = base + "/";
        if (topic == null || !topic.startsWith(prefix)) {
            throw refused(topic);
        }
        String[] parts = topic.substring(prefix.length()).split("/", -1);
        if (parts.length != 4 || !"cmd".equals(parts[2]) || parts[1].isEmpty()) {
            throw refused(topic);
        }
        String kind = parts[0];
        String verb = parts[3];
        boolean ok = switch (kind) {
            case "phones", "fleets" -> verb.equals("hook") || verb.equals("keys") || verb.equals("register");
            case "servers" -> verb.equals("availability");
            default -> false;
        };
        if (!ok) {
            throw refused(topic);
        }
        return new Command(kind, parts[1], verb);
    }

    private CommandRefused refused(String topic) {
        return new CommandRefused("unknown command topic '" + topic + "'; the commands are " + base
                + "/phones/{id}/cmd/{hook,keys,register}, " + base + "/fleets/{fleet}/cmd/{hook,keys,register} and "
                + base + "/servers/{name}/cmd/availability");
    }
}
