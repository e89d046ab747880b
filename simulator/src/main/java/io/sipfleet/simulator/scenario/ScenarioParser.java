package io.sipfleet.simulator.scenario;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import io.sipfleet.device.FirmwareProfile;
import io.sipfleet.device.InvalidInputException;
import io.sipfleet.device.Key;
import io.sipfleet.device.Outputs;
import io.sipfleet.device.config.InvalidConfigException;
import io.sipfleet.device.config.LineConfig;
import io.sipfleet.device.config.Transport;
import io.sipfleet.faults.Direction;
import io.sipfleet.faults.FaultType;
import io.sipfleet.faults.FaultTypes;
import io.sipfleet.faults.InvalidFaultException;
import io.sipfleet.simulator.scenario.Action.FaultDef;
import io.sipfleet.simulator.scenario.Action.Target;
import io.sipfleet.simulator.scenario.Expectation.PhoneCount;
import io.sipfleet.simulator.scenario.Expectation.Subject;
import io.sipfleet.simulator.scenario.Expectation.Timing;
import io.sipfleet.simulator.scenario.Scenario.ClockMode;
import io.sipfleet.simulator.scenario.Scenario.Metadata;
import io.sipfleet.simulator.scenario.Scenario.Relay;
import io.sipfleet.simulator.scenario.Scenario.ServerDef;
import io.sipfleet.simulator.scenario.Scenario.Servers;
import io.sipfleet.simulator.scenario.Scenario.Step;
import io.sipfleet.simulator.scenario.Scenario.Threshold;
import io.sipfleet.simulator.scenario.Tree.Arr;
import io.sipfleet.simulator.scenario.Tree.Field;
import io.sipfleet.simulator.scenario.Tree.Node;
import io.sipfleet.simulator.scenario.Tree.Obj;
import io.sipfleet.simulator.scenario.Tree.Scalar;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Reads a scenario file (YAML, or JSON, which the same reader takes) into a {@link Scenario}, and refuses a bad one
 * before anything starts with a {@link ScenarioException} listing every problem found, each with its field path,
 * line and column. Checks, in one pass:
 * <ul>
 *   <li>structure: types, required fields, unknown fields (with a "did you mean"), enumerations, durations,
 *       duplicate keys;</li>
 *   <li>ranges: counts, ports, probabilities, durations;</li>
 *   <li>meaning: unknown fleets, phones, steps ({@code of}), faults ({@code removeFault}) referred to; duplicate
 *       names; a line configuration the device model refuses; real-time-only parts in {@code clock: virtual}.</li>
 * </ul>
 * Jackson reads the text (jackson-dataformat-yaml); this class only binds and checks what it read. Thread-safe.
 */
public final class ScenarioParser {

    /** The JSON Schema of the format, on the class path (the packaged application ships it). */
    public static final String SCHEMA_RESOURCE = "/scenarios/schema/sipfleet-v1.schema.json";
    /** The scenario library on the class path: {@code /scenarios/{name}.yaml}. */
    public static final String LIBRARY_RESOURCE_DIR = "/scenarios/";

    /** Longest duration anywhere in a file (virtual time may simulate days). */
    public static final Duration MAX_DURATION = Duration.ofDays(7);
    /**
     * Fault types that need a real TCP connection on the wire: refused in {@code clock: virtual}, as are external
     * servers, relays and TLS lines.
     */
    public static final Set<String> REAL_TIME_ONLY_FAULT_TYPES = Set.of("tcp-connect-timeout", "tcp-reset");

    static final Pattern NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9_.-]{0,63}");
    /** A relay's client as observed: the {@code user@host} of the AOR it registers. */
    private static final Pattern RELAY_PHONE = Pattern.compile("[^@\\s]+@[A-Za-z0-9._\\[\\]:-]+");
    private static final Pattern HOST_PORT = Pattern.compile("(\\[[0-9A-Fa-f:.]+]|[A-Za-z0-9][A-Za-z0-9.-]*):([0-9]{1,5})");
    private static final List<String> ROLES = List.of("primary", "backup");

    private static final List<String> TOP = List.of("apiVersion", "kind", "metadata", "clock", "seed", "timeout",
            "abortOnFail", "servers", "relays", "fleets", "steadyState", "steps", "rollbacks", "thresholds");
    private static final List<String> FLEET = List.of("name", "model", "count", "firstUser", "password", "authUser",
            "rampPerSecond", "autoAnswer", "autoAnswerDelay", "servers", "line");
    private static final List<String> LINE = List.of("registerTtl", "transport", "backupTtl", "backupTransport",
            "enableFailback", "failbackInterval", "signalRetryCounts", "signalRetryDuration", "keepAliveInterval",
            "registerRetryInterval", "displayName", "domain");
    private static final Map<String, String> LINE_FROM_ELSEWHERE = Map.of(
            "registerAddr", "comes from the scenario's servers (and the fleet's servers list)",
            "registerPort", "comes from the scenario's servers (and the fleet's servers list)",
            "backupAddr", "comes from the scenario's servers (and the fleet's servers list)",
            "backupPort", "comes from the scenario's servers (and the fleet's servers list)",
            "extraServers", "comes from the scenario's servers (and the fleet's servers list)",
            "user", "is each phone's own, numbered from the fleet's firstUser",
            "password", "is the fleet's password ({user} is replaced)",
            "authUser", "is the fleet's authUser ({user} is replaced)");
    private static final List<String> STEP = List.of("name", "description", "action", "expect", "abortOnFail");
    private static final List<String> VERBS = List.of("server", "fault", "removeFault", "hook", "keys", "register",
            "wait");
    private static final List<String> ACTION_KEYS = List.of("server", "mode", "fault", "removeFault", "hook", "keys",
            "register", "wait", "phone", "fleet");
    private static final List<String> FAULT = List.of("name", "type", "target", "phones", "methods", "direction",
            "probability", "params", "startDelaySeconds", "durationSeconds");
    private static final List<String> EXPECT_KEYS = List.of("phone", "fleet", "phones", "line", "on", "state",
            "callState", "event", "server", "noEvent", "metric", "at", "within", "for", "tolerance", "of");
    private static final List<String> LINE_STATES = Arrays.stream(Outputs.LineState.values())
            .map(s -> s.name().toLowerCase(Locale.ROOT)).toList();
    private static final List<String> CALL_STATES = Arrays.stream(Outputs.CallState.values())
            .map(s -> s.name().toLowerCase(Locale.ROOT)).toList();

    private final FaultTypes faultTypes;
    private final Duration t1;

    /** The standard fault types; {@code T1} in durations is 500 ms. */
    public ScenarioParser() {
        this(FaultTypes.standard(), Durations.DEFAULT_T1);
    }

    /**
     * @param faultTypes the fault types a {@code fault} action may name
     * @param t1         the T1 the run uses ({@code sipfleet.sip.t1}): what {@code 15T1} in a file means
     */
    public ScenarioParser(FaultTypes faultTypes, Duration t1) {
        if (t1.isNegative() || t1.isZero()) {
            throw new IllegalArgumentException("T1 must be positive, got " + t1);
        }
        this.faultTypes = faultTypes;
        this.t1 = t1;
    }

    /** The same parser reading {@code T1} durations as {@code runT1}. */
    public ScenarioParser withT1(Duration runT1) {
        return new ScenarioParser(faultTypes, runT1);
    }

    /** Reads a file (YAML or JSON); its name is the source in error messages. */
    public Scenario parse(Path file) {
        try {
            return parse(Files.readString(file, StandardCharsets.UTF_8), file.toString());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + file + ": " + e.getMessage(), e);
        }
    }

    /** Reads a scenario of the library shipped on the class path, e.g. {@code register-failover-silent-v3}. */
    public Scenario parseResource(String name) {
        String res = LIBRARY_RESOURCE_DIR + (name.endsWith(".yaml") ? name : name + ".yaml");
        try (InputStream in = ScenarioParser.class.getResourceAsStream(res)) {
            if (in == null) {
                throw new IllegalArgumentException("no scenario " + res + " on the class path");
            }
            return parse(new String(in.readAllBytes(), StandardCharsets.UTF_8), "classpath:" + res);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * Reads a scenario from text: YAML, or JSON (a text starting with '{').
     *
     * @param source a name for messages (a file name), may be null
     * @throws ScenarioException with every problem found
     */
    public Scenario parse(String text, String source) {
        List<ScenarioException.Problem> problems = new ArrayList<>();
        Node root = readTree(text, problems);
        if (root == null) {
            throw new ScenarioException(source, problems);
        }
        Binder b = new Binder(problems);
        Scenario s = b.scenario(root);
        if (!problems.isEmpty()) {
            List<ScenarioException.Problem> sorted = new ArrayList<>(problems);
            sorted.sort(Comparator.comparingInt(ScenarioException.Problem::line)
                    .thenComparingInt(ScenarioException.Problem::column));
            if (sorted.size() > ScenarioException.MAX_PROBLEMS) {
                int more = sorted.size() - ScenarioException.MAX_PROBLEMS;
                sorted = new ArrayList<>(sorted.subList(0, ScenarioException.MAX_PROBLEMS));
                sorted.add(new ScenarioException.Problem("", "and " + more + " more problems", 0, 0));
            }
            throw new ScenarioException(source, sorted);
        }
        return s;
    }

    private static Node readTree(String text, List<ScenarioException.Problem> problems) {
        if (text == null || text.isBlank()) {
            problems.add(new ScenarioException.Problem("", "the file is empty: a scenario starts with apiVersion: "
                    + Scenario.API_VERSION, 1, 1));
            return null;
        }
        boolean json = text.stripLeading().startsWith("{");
        JsonFactory factory = json ? new JsonFactory() : new YAMLFactory();
        List<Tree.Duplicate> duplicates = new ArrayList<>();
        try (JsonParser p = factory.createParser(text)) {
            JsonToken first = p.nextToken();
            if (first == null) {
                problems.add(new ScenarioException.Problem("", "the file has no content: a scenario starts with "
                        + "apiVersion: " + Scenario.API_VERSION, 1, 1));
                return null;
            }
            Node root = Tree.read(p, "", duplicates);
            JsonToken after = p.nextToken();
            if (after != null) {
                var loc = p.currentTokenLocation();
                problems.add(new ScenarioException.Problem("", "more than one document: a file holds one scenario",
                        loc.getLineNr(), loc.getColumnNr()));
            }
            for (Tree.Duplicate d : duplicates) {
                problems.add(new ScenarioException.Problem(d.path(), "'" + d.key() + "' is given twice", d.line(),
                        d.column()));
            }
            return problems.isEmpty() ? root : null;
        } catch (JsonProcessingException e) {
            var loc = e.getLocation();
            String msg = e.getOriginalMessage();
            int nl = msg.indexOf('\n');
            problems.add(new ScenarioException.Problem("", (json ? "not valid JSON: " : "not valid YAML: ")
                    + (nl > 0 ? msg.substring(0, nl) : msg).trim(), loc == null ? 0 : loc.getLineNr(),
                    loc == null ? 0 : loc.getColumnNr()));
            return null;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** One pass over one document, collecting problems. */
    private final class Binder {
        private final List<ScenarioException.Problem> problems;
        private ClockMode clock = ClockMode.REAL;
        private final Map<String, FleetDef> fleets = new LinkedHashMap<>();
        private final Set<String> relayFleets = new LinkedHashSet<>();
        private final List<String> stepNames = new ArrayList<>();
        private final Set<String> faultsAdded = new HashSet<>();
        private final Set<String> faultsAnywhere = new HashSet<>();

        Binder(List<ScenarioException.Problem> problems) {
            this.problems = problems;
        }

        // ---------------------------------------------------------------- the document

        Scenario scenario(Node root) {
            Obj top = object(root, "", "a scenario (a mapping with apiVersion, kind, metadata, ...)");
            if (top == null) {
                return null;
            }
            allowOnly(top, "", TOP);
            String apiVersion = string(top, "apiVersion", "", true);
            if (apiVersion != null && !apiVersion.equals(Scenario.API_VERSION)) {
                error("apiVersion", top.get("apiVersion"), "unsupported apiVersion '" + apiVersion + "': this sipfleet "
                        + "reads " + Scenario.API_VERSION);
            }
            String kind = string(top, "kind", "", true);
            if (kind != null && !kind.equals(Scenario.KIND)) {
                error("kind", top.get("kind"), "kind must be " + Scenario.KIND + ", not '" + kind + "'");
            }
            Metadata metadata = metadata(top);
            String c = choice(top, "clock", "", List.of("real", "virtual"), false);
            if (c != null) {
                clock = ClockMode.valueOf(c.toUpperCase(Locale.ROOT));
            }
            Long seed = whole(top, "seed", "", Long.MIN_VALUE, Long.MAX_VALUE, false);
            Duration timeout = duration(top, "timeout", "", Duration.ofSeconds(1), MAX_DURATION, false);
            Boolean abortOnFail = bool(top, "abortOnFail", "");
            Servers servers = servers(top);
            List<Relay> relays = relays(top);
            List<FleetDef> fleetList = fleets(top);
            preScanSteps(top);
            List<Step> steps = steps(top);
            List<Action> rollbacks = rollbacks(top);
            List<Expectation> steady = steadyState(top);
            List<Threshold> thresholds = thresholds(top);
            if (!problems.isEmpty()) {
                return null;
            }
            return new Scenario(apiVersion, kind, metadata, clock, seed == null ? Scenario.DEFAULT_SEED : seed, t1,
                    timeout == null ? Scenario.DEFAULT_TIMEOUT : timeout, Boolean.TRUE.equals(abortOnFail), servers,
                    relays, fleetList, steady, steps, rollbacks, thresholds);
        }

        private Metadata metadata(Obj top) {
            if (!top.has("metadata")) {
                error("metadata", top, "metadata is required, with at least a name");
                return null;
            }
            Obj m = object(top.get("metadata"), "metadata", "a mapping with name, description, tags");
            if (m == null) {
                return null;
            }
            allowOnly(m, "metadata", List.of("name", "description", "tags"));
            String name = name(m, "name", "metadata", true);
            String description = string(m, "description", "metadata", false);
            List<String> tags = new ArrayList<>();
            Arr t = list(m, "tags", "metadata");
            if (t != null) {
                for (int i = 0; i < t.items().size(); i++) {
                    String tag = text(t.items().get(i), "metadata.tags[" + i + "]");
                    if (tag != null) {
                        tags.add(tag);
                    }
                }
            }
            return new Metadata(name, description, tags);
        }

        // ---------------------------------------------------------------- servers and relays

        private Servers servers(Obj top) {
            if (!top.has("servers")) {
                return new Servers(ServerDef.builtin("primary"), ServerDef.builtin("backup"));
            }
            Obj s = object(top.get("servers"), "servers", "a mapping with primary and backup");
            if (s == null) {
                return null;
            }
            allowOnly(s, "servers", ROLES);
            return new Servers(server(s, "primary"), server(s, "backup"));
        }

        private ServerDef server(Obj servers, String role) {
            String path = "servers." + role;
            Node n = servers.get(role);
            if (n == null) {
                return ServerDef.builtin(role);
            }
            if (n instanceof Scalar sc && "builtin".equals(sc.value())) {
                return ServerDef.builtin(role);
            }
            if (!(n instanceof Obj o)) {
                error(path, n, "a server is builtin, or {external: host:port}; not " + Tree.describe(n));
                return null;
            }
            allowOnly(o, path, List.of("external"));
            String address = string(o, "external", path, true);
            if (address == null) {
                return null;
            }
            String[] hp = hostPort(address, path + ".external", o.get("external"));
            if (hp == null) {
                return null;
            }
            realTimeOnly(path + ".external", o.get("external"), "an external server");
            return new ServerDef(role, hp[0], Integer.parseInt(hp[1]));
        }

        private List<Relay> relays(Obj top) {
            List<Relay> out = new ArrayList<>();
            Arr a = list(top, "relays", "");
            if (a == null) {
                return out;
            }
            for (int i = 0; i < a.items().size(); i++) {
                String path = "relays[" + i + "]";
                Obj r = object(a.items().get(i), path, "a relay: {name, listen, upstream}");
                if (r == null) {
                    continue;
                }
                allowOnly(r, path, List.of("name", "listen", "upstream"));
                String name = name(r, "name", path, true);
                String listen = string(r, "listen", path, false);
                if (listen != null) {
                    hostPort(listen, path + ".listen", r.get("listen"));
                }
                String upstream = string(r, "upstream", path, false);
                if (upstream != null && !ROLES.contains(upstream)) {
                    hostPort(upstream, path + ".upstream", r.get("upstream"));
                }
                realTimeOnly(path, r, "a relay (its clients are phones outside the simulator)");
                if (name != null && !relayFleets.add("relay:" + name)) {
                    error(path + ".name", r.get("name"), "a relay named '" + name + "' is already defined");
                }
                out.add(new Relay(name, listen == null ? "127.0.0.1:0" : listen,
                        upstream == null ? "primary" : upstream));
            }
            return out;
        }

        // ---------------------------------------------------------------- fleets

        private List<FleetDef> fleets(Obj top) {
            List<FleetDef> out = new ArrayList<>();
            Arr a = list(top, "fleets", "");
            if (a == null) {
                return out;
            }
            for (int i = 0; i < a.items().size(); i++) {
                FleetDef f = fleet(a.items().get(i), "fleets[" + i + "]");
                if (f != null) {
                    out.add(f);
                }
            }
            return out;
        }

        private FleetDef fleet(Node n, String path) {
            Obj o = object(n, path, "a fleet: {name, model, count, ...}");
            if (o == null) {
                return null;
            }
            allowOnly(o, path, FLEET);
            String name = name(o, "name", path, true);
            FirmwareProfile model = null;
            String m = string(o, "model", path, true);
            if (m != null) {
                model = FirmwareProfile.byName(m).orElse(null);
                if (model == null) {
                    error(path + ".model", o.get("model"), "unknown model '" + m + "'; known: "
                            + String.join(", ", FirmwareProfile.all().stream().map(FirmwareProfile::name).toList()));
                }
            }
            Long count = whole(o, "count", path, 1, FleetDef.MAX_COUNT, true);
            Long firstUser = whole(o, "firstUser", path, 0, 999_999_999_999L, false);
            String password = string(o, "password", path, false);
            String authUser = string(o, "authUser", path, false);
            Double ramp = number(o, "rampPerSecond", path, 0, 100_000, false);
            Boolean autoAnswer = bool(o, "autoAnswer", path);
            Double delay = number(o, "autoAnswerDelay", path, 0, 3600, false);
            List<String> servers = fleetServers(o, path);
            LineSpec line = line(o, path);
            if (name == null || model == null || count == null || servers == null || line == null) {
                return null;
            }
            if (fleets.containsKey(name)) {
                error(path + ".name", o.get("name"), "a fleet named '" + name + "' is already defined");
                return null;
            }
            FleetDef f = new FleetDef(name, model, count.intValue(),
                    firstUser == null ? FleetDef.DEFAULT_FIRST_USER : firstUser, password == null ? "" : password,
                    authUser, ramp == null ? 0 : ramp, Boolean.TRUE.equals(autoAnswer), delay == null ? 0 : delay,
                    servers, line);
            fleets.put(name, f);
            return f;
        }

        private List<String> fleetServers(Obj o, String path) {
            if (!o.has("servers")) {
                return ROLES;
            }
            Arr a = list(o, "servers", path);
            if (a == null) {
                return null;
            }
            if (a.items().isEmpty() || a.items().size() > 2) {
                error(path + ".servers", a, "a fleet's servers list has 1 or 2 roles, e.g. [primary, backup]");
                return null;
            }
            List<String> out = new ArrayList<>();
            for (int i = 0; i < a.items().size(); i++) {
                String p = path + ".servers[" + i + "]";
                String role = text(a.items().get(i), p);
                if (role == null) {
                    return null;
                }
                if (!ROLES.contains(role)) {
                    error(p, a.items().get(i), "a server role is primary or backup, not '" + role + "'");
                    return null;
                }
                if (out.contains(role)) {
                    error(p, a.items().get(i), "'" + role + "' is listed twice");
                    return null;
                }
                out.add(role);
            }
            return out;
        }

        private LineSpec line(Obj fleet, String fleetPath) {
            if (!fleet.has("line")) {
                return LineSpec.DEFAULTS;
            }
            String path = fleetPath + ".line";
            Obj o = object(fleet.get("line"), path, "a line configuration (behaviour.md §2 items in camelCase)");
            if (o == null) {
                return null;
            }
            int before = problems.size();
            for (Field f : o.fields().values()) {
                String why = LINE_FROM_ELSEWHERE.get(f.key());
                if (why != null) {
                    errorAt(path + "." + f.key(), f.line(), f.column(), "not set here: " + f.key() + " " + why);
                }
            }
            Map<String, Field> rest = new LinkedHashMap<>(o.fields());
            rest.keySet().removeAll(LINE_FROM_ELSEWHERE.keySet());
            allowOnly(new Obj(o.line(), o.column(), rest), path, LINE);
            LineSpec spec = new LineSpec(
                    intItem(o, "registerTtl", path), transport(o, "transport", path), intItem(o, "backupTtl", path),
                    transport(o, "backupTransport", path), flag(o, "enableFailback", path),
                    intItem(o, "failbackInterval", path), intItem(o, "signalRetryCounts", path),
                    intItem(o, "signalRetryDuration", path), intItem(o, "keepAliveInterval", path),
                    intItem(o, "registerRetryInterval", path), string(o, "displayName", path, false),
                    string(o, "domain", path, false));
            if (problems.size() > before) {
                return null;
            }
            try {
                spec.applyTo(LineConfig.builder().registerAddr("127.0.0.2").backupAddr("127.0.0.3").user("1001"))
                        .build();
            } catch (InvalidConfigException e) {
                for (InvalidConfigException.Violation v : e.violations()) {
                    String key = v.item().key();
                    Node at = o.has(key) ? o.get(key) : o;
                    error(path + "." + key, at, v.message());
                }
                return null;
            }
            if (spec.usesTls()) {
                Node at = spec.transport() == Transport.TLS ? o.get("transport") : o.get("backupTransport");
                realTimeOnly(path + (spec.transport() == Transport.TLS ? ".transport" : ".backupTransport"), at,
                        "TLS");
            }
            return spec;
        }

        private Integer intItem(Obj o, String key, String path) {
            Long v = whole(o, key, path, Integer.MIN_VALUE, Integer.MAX_VALUE, false);
            return v == null ? null : v.intValue();
        }

        private Transport transport(Obj o, String key, String path) {
            Node n = o.get(key);
            if (n == null) {
                return null;
            }
            Object v = n instanceof Scalar s ? s.value() : null;
            try {
                if (v instanceof String str) {
                    return Transport.parse(str);
                }
                if (v instanceof Integer || v instanceof Long) {
                    return Transport.fromCode(((Number) v).intValue());
                }
            } catch (IllegalArgumentException e) {
                error(path + "." + key, n, e.getMessage());
                return null;
            }
            error(path + "." + key, n, "transport is UDP, TCP, TLS or the code 0, 1, 3; not " + Tree.describe(n));
            return null;
        }

        private Boolean flag(Obj o, String key, String path) {
            Node n = o.get(key);
            if (n == null) {
                return null;
            }
            Object v = n instanceof Scalar s ? s.value() : null;
            if (v instanceof Boolean b) {
                return b;
            }
            if ((v instanceof Integer || v instanceof Long) && (((Number) v).longValue() == 0
                    || ((Number) v).longValue() == 1)) {
                return ((Number) v).longValue() == 1;
            }
            error(path + "." + key, n, "must be 0, 1, true or false; not " + Tree.describe(n));
            return null;
        }

        // ---------------------------------------------------------------- steps

        private void preScanSteps(Obj top) {
            if (top.get("steps") instanceof Arr a) {
                for (Node n : a.items()) {
                    Object name = n instanceof Obj o && o.get("name") instanceof Scalar s ? s.value() : null;
                    stepNames.add(name instanceof String str ? str : null);
                }
            }
        }

        private List<Step> steps(Obj top) {
            List<Step> out = new ArrayList<>();
            if (!top.has("steps")) {
                error("steps", top, "steps is required: at least one step");
                return out;
            }
            Arr a = list(top, "steps", "");
            if (a == null) {
                return out;
            }
            if (a.items().isEmpty()) {
                error("steps", a, "at least one step is required");
            }
            Set<String> seen = new HashSet<>();
            for (int i = 0; i < a.items().size(); i++) {
                String path = "steps[" + i + "]";
                Obj o = object(a.items().get(i), path, "a step: {name, action, expect}");
                if (o == null) {
                    continue;
                }
                allowOnly(o, path, STEP);
                String name = string(o, "name", path, true);
                if (name != null && name.isBlank()) {
                    error(path + ".name", o.get("name"), "a step's name must not be blank");
                } else if (name != null && name.length() > 200) {
                    error(path + ".name", o.get("name"), "a step's name has at most 200 characters");
                } else if (name != null && !seen.add(name)) {
                    error(path + ".name", o.get("name"), "a step named '" + name + "' is already defined");
                }
                String description = string(o, "description", path, false);
                Boolean abort = bool(o, "abortOnFail", path);
                List<Action> actions = new ArrayList<>();
                List<Expectation> expectations = new ArrayList<>();
                List<Node> actionNodes = oneOrMany(o, "action", path);
                for (int j = 0; j < actionNodes.size(); j++) {
                    Action act = action(actionNodes.get(j), itemPath(o, "action", path, j), false);
                    if (act != null) {
                        actions.add(act);
                    }
                }
                List<Node> expectNodes = oneOrMany(o, "expect", path);
                boolean timed = actions.stream().anyMatch(x -> x instanceof Action.Wait);
                for (Node en : expectNodes) {
                    if (en instanceof Obj eo && (eo.has("within") || eo.has("for") || eo.has("at")) && !eo.has("noEvent")) {
                        timed = true;
                    }
                }
                for (int j = 0; j < expectNodes.size(); j++) {
                    Expectation e = expectation(expectNodes.get(j), itemPath(o, "expect", path, j), i, timed);
                    if (e != null) {
                        expectations.add(e);
                    }
                }
                if (actionNodes.isEmpty() && expectNodes.isEmpty()) {
                    error(path, o, "a step needs an action, an expectation (expect) or both");
                }
                out.add(new Step(name, description, actions, expectations, abort));
            }
            return out;
        }

        private List<Action> rollbacks(Obj top) {
            List<Action> out = new ArrayList<>();
            Arr a = list(top, "rollbacks", "");
            if (a == null) {
                return out;
            }
            for (int i = 0; i < a.items().size(); i++) {
                Action act = action(a.items().get(i), "rollbacks[" + i + "]", true);
                if (act != null) {
                    out.add(act);
                }
            }
            return out;
        }

        private List<Node> oneOrMany(Obj o, String key, String path) {
            Node n = o.get(key);
            if (n == null) {
                return List.of();
            }
            if (n instanceof Arr a) {
                if (a.items().isEmpty()) {
                    error(path + "." + key, a, key + " is an empty list: give at least one, or leave it out");
                }
                return a.items();
            }
            return List.of(n);
        }

        private String itemPath(Obj o, String key, String path, int j) {
            return path + "." + key + (o.get(key) instanceof Arr ? "[" + j + "]" : "");
        }

        // ---------------------------------------------------------------- actions

        private Action action(Node n, String path, boolean rollback) {
            Obj o = object(n, path, "an action: one of " + String.join(", ", VERBS));
            if (o == null) {
                return null;
            }
            List<String> verbs = VERBS.stream().filter(o::has).toList();
            if (verbs.isEmpty()) {
                allowOnly(o, path, ACTION_KEYS);
                error(path, o, "an action names what it does: one of " + String.join(", ", VERBS));
                return null;
            }
            if (verbs.size() > 1) {
                error(path, o, "one action per item, found " + String.join(" and ", verbs)
                        + ": list several as action: [..., ...]");
                return null;
            }
            String verb = verbs.get(0);
            switch (verb) {
                case "server" -> {
                    allowOnly(o, path, List.of("server", "mode"));
                    String server = role(o, "server", path, true);
                    String mode = mode(o, path);
                    return server == null || mode == null ? null : new Action.SetAvailability(server, mode);
                }
                case "fault" -> {
                    allowOnly(o, path, List.of("fault"));
                    FaultDef f = fault(o.get("fault"), path + ".fault");
                    if (f != null && f.name() != null && !rollback) {
                        faultsAdded.add(f.name());
                    }
                    return f == null ? null : new Action.AddFault(f);
                }
                case "removeFault" -> {
                    allowOnly(o, path, List.of("removeFault"));
                    String name = string(o, "removeFault", path, true);
                    if (name == null) {
                        return null;
                    }
                    if (!(rollback ? faultsAnywhere : faultsAdded).contains(name)) {
                        error(path + ".removeFault", o.get("removeFault"), "no fault named '" + name + "' is added "
                                + (rollback ? "by any step" : "by an earlier step")
                                + hint(name, rollback ? faultsAnywhere : faultsAdded));
                        return null;
                    }
                    return new Action.RemoveFault(name);
                }
                case "hook" -> {
                    allowOnly(o, path, List.of("hook", "phone", "fleet"));
                    String state = o.get("hook") instanceof Scalar sc && sc.value() instanceof Boolean
                            && List.of("off", "on").contains(sc.raw()) ? sc.raw()
                            : choice(o, "hook", path, List.of("off", "on"), true);
                    Target t = target(o, path);
                    return state == null || t == null ? null : new Action.Hook(t, state);
                }
                case "keys" -> {
                    allowOnly(o, path, List.of("keys", "phone", "fleet"));
                    List<String> keys = keys(o, path);
                    Target t = target(o, path);
                    return keys == null || t == null ? null : new Action.Keys(t, keys);
                }
                case "register" -> {
                    allowOnly(o, path, List.of("register", "phone", "fleet"));
                    Long line = whole(o, "register", path, 1, 6, true);
                    Target t = target(o, path);
                    if (line == null || t == null) {
                        return null;
                    }
                    FleetDef f = fleets.get(t.fleet() != null ? t.fleet() : fleetOfPhone(t.phone()));
                    if (f != null && line > f.model().lineCount()) {
                        error(path + ".register", o.get("register"), "a " + f.model().name() + " phone has lines 1.."
                                + f.model().lineCount() + ", not " + line);
                        return null;
                    }
                    return new Action.Register(t, line.intValue());
                }
                case "wait" -> {
                    allowOnly(o, path, List.of("wait"));
                    Duration d = duration(o, "wait", path, Duration.ofMillis(1), MAX_DURATION, true);
                    return d == null ? null : new Action.Wait(d);
                }
                default -> throw new IllegalStateException(verb);
            }
        }

        private String mode(Obj o, String path) {
            Node n = o.get("mode");
            if (n == null) {
                error(path + ".mode", o, "mode is required: one of " + String.join(", ", Action.SetAvailability.MODES));
                return null;
            }
            Object v = n instanceof Scalar s ? s.value() : null;
            String mode = v instanceof String str ? str : v instanceof Integer || v instanceof Long ? v.toString() : null;
            if (mode == null || !Action.SetAvailability.MODES.contains(mode)) {
                error(path + ".mode", n, "mode is one of " + String.join(", ", Action.SetAvailability.MODES) + "; not "
                        + Tree.describe(n));
                return null;
            }
            return mode;
        }

        private List<String> keys(Obj o, String path) {
            Node n = o.get("keys");
            String p = path + ".keys";
            try {
                if (n instanceof Scalar s && s.value() instanceof String str) {
                    Key.parseDialString(str, p);
                    return str.chars().mapToObj(Character::toString).toList();
                }
                if (n instanceof Scalar s && (s.value() instanceof Integer || s.value() instanceof Long)
                        && ((Number) s.value()).longValue() >= 0) {
                    String str = s.value().toString();
                    return str.chars().mapToObj(Character::toString).toList();
                }
                if (n instanceof Arr a) {
                    List<String> names = new ArrayList<>();
                    for (int i = 0; i < a.items().size(); i++) {
                        String k = text(a.items().get(i), p + "[" + i + "]");
                        if (k == null) {
                            return null;
                        }
                        names.add(k);
                    }
                    return Key.parseAll(names, p).stream().map(Key::toString).toList();
                }
            } catch (InvalidInputException e) {
                error(e.field() == null ? p : e.field(), n, e.getMessage());
                return null;
            }
            error(p, n, "keys is a dial string such as \"1001#\", or a list of key names such as [\"1\", \"SEND\"]; not "
                    + Tree.describe(n));
            return null;
        }

        /** Exactly one of phone and fleet. */
        private Target target(Obj o, String path) {
            boolean phone = o.has("phone");
            boolean fleet = o.has("fleet");
            if (phone == fleet) {
                error(path, o, phone ? "give phone or fleet, not both" : "say whom: phone: {fleet}-{i} or fleet: {name}");
                return null;
            }
            if (phone) {
                String id = phoneRef(o, path);
                if (id != null && fleetOfPhone(id) == null) {
                    error(path + ".phone", o.get("phone"), "phone " + id + " is a real phone behind a relay: the "
                            + "simulator observes it and cannot press its keys, hook or register; act on it with a "
                            + "fault or a server's availability");
                    return null;
                }
                return id == null ? null : Target.phone(id);
            }
            String f = fleetRef(o, "fleet", path);
            if (f != null && relayFleets.contains(f)) {
                error(path + ".fleet", o.get("fleet"), "fleet " + f + " is the real phones behind a relay: the "
                        + "simulator observes them and cannot press their keys, hook or register; act on them with a "
                        + "fault or a server's availability");
                return null;
            }
            return f == null ? null : Target.fleet(f);
        }

        private FaultDef fault(Node n, String path) {
            Obj o = object(n, path, "a fault: {type, target, phones, direction, probability, params, ...}");
            if (o == null) {
                return null;
            }
            allowOnly(o, path, FAULT);
            int before = problems.size();
            String name = name(o, "name", path, false);
            String typeName = string(o, "type", path, true);
            FaultType type = null;
            if (typeName != null) {
                type = faultTypes.type(typeName).orElse(null);
                if (type == null) {
                    error(path + ".type", o.get("type"), "unknown fault type '" + typeName + "'"
                            + hint(typeName, faultTypes.names()) + "; types: " + String.join(", ", faultTypes.names()));
                } else if (REAL_TIME_ONLY_FAULT_TYPES.contains(type.name())) {
                    realTimeOnly(path + ".type", o.get("type"), "the fault type " + type.name());
                }
            }
            String target = string(o, "target", path, false);
            if (target != null && !ROLES.contains(target)) {
                if (HOST_PORT.matcher(target).matches()) {
                    hostPort(target, path + ".target", o.get("target"));
                } else {
                    error(path + ".target", o.get("target"), "target is a server role (primary, backup) or host:port, "
                            + "not '" + target + "'");
                }
            }
            Object phones = faultPhones(o, path);
            List<String> methods = null;
            Arr ma = list(o, "methods", path);
            if (ma != null) {
                methods = new ArrayList<>();
                for (int i = 0; i < ma.items().size(); i++) {
                    String m = text(ma.items().get(i), path + ".methods[" + i + "]");
                    if (m != null && !m.matches("[A-Za-z]+")) {
                        error(path + ".methods[" + i + "]", ma.items().get(i), "a SIP method such as REGISTER");
                    } else if (m != null) {
                        methods.add(m.toUpperCase(Locale.ROOT));
                    }
                }
            }
            String dirName = string(o, "direction", path, false);
            Direction direction = null;
            if (dirName != null) {
                direction = Direction.parse(dirName).orElse(null);
                if (direction == null) {
                    error(path + ".direction", o.get("direction"), "unknown direction '" + dirName
                            + "'; one of to-server, from-server, both");
                }
            }
            Double probability = number(o, "probability", path, 0, 1, false);
            Map<String, Object> params = null;
            if (o.has("params")) {
                Obj po = object(o.get("params"), path + ".params", "a mapping of the type's parameters");
                if (po != null) {
                    @SuppressWarnings("unchecked")
                    Map<String, Object> m = (Map<String, Object>) Tree.plain(po);
                    params = m;
                }
            }
            Double startDelay = number(o, "startDelaySeconds", path, 0, MAX_DURATION.toSeconds(), false);
            Double durationSeconds = number(o, "durationSeconds", path, 0.001, MAX_DURATION.toSeconds(), false);
            if (type != null && problems.size() == before) {
                try {
                    type.create(params == null ? Map.of() : params,
                            direction == null ? type.defaultDirection() : direction);
                } catch (InvalidFaultException e) {
                    String field = e.field() == null ? path : path + "." + e.field();
                    Node at = o;
                    if (e.field() != null && e.field().startsWith("params.") && o.get("params") instanceof Obj po
                            && po.has(e.field().substring(7))) {
                        at = po.get(e.field().substring(7));
                    } else if (o.has("params")) {
                        at = o.get("params");
                    }
                    error(field, at, e.getMessage());
                } catch (RuntimeException e) {
                    error(path + ".params", o.has("params") ? o.get("params") : o, String.valueOf(e.getMessage()));
                }
            }
            if (name != null && !faultsAnywhere.add(name)) {
                error(path + ".name", o.get("name"), "a fault named '" + name + "' is already added by another step");
            }
            if (problems.size() > before) {
                return null;
            }
            return new FaultDef(name, type.name(), target, phones, methods, dirName, probability, params, startDelay,
                    durationSeconds);
        }

        /** "all", or {fleet}, {ids}, {model}, {sample, seed}, as README's Network faults says. */
        private Object faultPhones(Obj o, String path) {
            Node n = o.get("phones");
            String p = path + ".phones";
            if (n == null) {
                return null;
            }
            if (n instanceof Scalar s && "all".equals(s.value())) {
                return "all";
            }
            Obj po = n instanceof Obj x ? x : null;
            String shape = "phones is \"all\", or one of {fleet: name}, {ids: [fleet-1, ...]}, {model: V3}, "
                    + "{sample: 10, seed: 7}";
            if (po == null || po.fields().isEmpty()) {
                error(p, n, shape);
                return null;
            }
            if (po.has("fleet")) {
                allowOnly(po, p, List.of("fleet"));
                String f = fleetRef(po, "fleet", p);
                return f == null ? null : Map.of("fleet", f);
            }
            if (po.has("ids")) {
                allowOnly(po, p, List.of("ids"));
                Arr ids = list(po, "ids", p);
                if (ids == null) {
                    return null;
                }
                List<String> out = new ArrayList<>();
                for (int i = 0; i < ids.items().size(); i++) {
                    String id = text(ids.items().get(i), p + ".ids[" + i + "]");
                    if (id != null && checkPhone(id, p + ".ids[" + i + "]", ids.items().get(i))) {
                        out.add(id);
                    }
                }
                return Map.of("ids", out);
            }
            if (po.has("model")) {
                allowOnly(po, p, List.of("model"));
                String m = string(po, "model", p, true);
                if (m != null && FirmwareProfile.byName(m).isEmpty()) {
                    error(p + ".model", po.get("model"), "unknown model '" + m + "'");
                    return null;
                }
                return m == null ? null : Map.of("model", m);
            }
            if (po.has("sample")) {
                allowOnly(po, p, List.of("sample", "seed"));
                Double pct = number(po, "sample", p, 0, 100, true);
                Long seed = whole(po, "seed", p, Long.MIN_VALUE, Long.MAX_VALUE, false);
                if (pct == null) {
                    return null;
                }
                Map<String, Object> m = new LinkedHashMap<>();
                m.put("sample", pct);
                if (seed != null) {
                    m.put("seed", seed);
                }
                return m;
            }
            allowOnly(po, p, List.of("fleet", "ids", "model", "sample", "seed"));
            error(p, n, shape);
            return null;
        }

        // ---------------------------------------------------------------- expectations

        private List<Expectation> steadyState(Obj top) {
            List<Expectation> out = new ArrayList<>();
            Arr a = list(top, "steadyState", "");
            if (a == null) {
                return out;
            }
            for (int i = 0; i < a.items().size(); i++) {
                String path = "steadyState[" + i + "]";
                Node n = a.items().get(i);
                if (n instanceof Obj o && (o.has("event") || o.has("of"))) {
                    error(path, o, o.has("of") ? "a steady-state probe has no step to count from: leave out of"
                            : "a steady-state probe checks a state, a metric or noEvent for a window, not an event");
                    continue;
                }
                if (n instanceof Obj o && o.has("noEvent") && !o.has("for")) {
                    error(path, o, "a steady-state noEvent needs its window: for: D");
                    continue;
                }
                Expectation e = expectation(n, path, -1, true);
                if (e != null) {
                    out.add(e);
                }
            }
            return out;
        }

        /**
         * @param stepIndex the step it is in; -1 in the steady state
         * @param stepTimed whether the step lasts (a wait, or an expectation with a time)
         */
        private Expectation expectation(Node n, String path, int stepIndex, boolean stepTimed) {
            Obj o = object(n, path, "an expectation: a state (on, state, callState), an event, noEvent or metric");
            if (o == null) {
                return null;
            }
            String kind = o.has("metric") ? "metric" : o.has("noEvent") ? "noEvent" : o.has("event") ? "event"
                    : o.has("on") || o.has("state") || o.has("callState") ? "state" : null;
            if (kind == null) {
                allowOnly(o, path, EXPECT_KEYS);
                error(path, o, "an expectation checks one of: on, state, callState (phones' state), event, noEvent, "
                        + "metric");
                return null;
            }
            List<String> allowed = switch (kind) {
                case "metric" -> List.of("metric", "fleet", "at", "within", "for", "of");
                case "noEvent" -> List.of("noEvent", "phone", "fleet", "for", "of");
                case "event" -> List.of("event", "phone", "fleet", "phones", "server", "at", "within", "tolerance", "of");
                default -> List.of("phone", "fleet", "phones", "line", "on", "state", "callState", "at", "within", "for",
                        "of");
            };
            for (String k : o.fields().keySet()) {
                if (EXPECT_KEYS.contains(k) && !allowed.contains(k)) {
                    Field f = o.fields().get(k);
                    errorAt(path + "." + k, f.line(), f.column(), notFor(kind, k));
                }
            }
            Map<String, Field> rest = new LinkedHashMap<>(o.fields());
            rest.keySet().removeIf(k -> EXPECT_KEYS.contains(k) && !allowed.contains(k));
            allowOnlyWithHints(new Obj(o.line(), o.column(), rest), path, allowed, EXPECT_KEYS);
            int before = problems.size();
            Timing timing = timing(o, path);
            String of = of(o, path, stepIndex);
            Expectation result = switch (kind) {
                case "metric" -> {
                    String text = string(o, "metric", path, true);
                    MetricExpression m = text == null ? null : metric(text, path + ".metric", o.get("metric"));
                    String fleet = o.has("fleet") ? fleetRef(o, "fleet", path) : null;
                    yield m == null ? null : new Expectation.MetricCheck(m, fleet, timing, of);
                }
                case "noEvent" -> {
                    String event = event(o, "noEvent", path);
                    Subject subject = subject(o, path, false);
                    if (timing == null && !stepTimed) {
                        error(path, o, "this step has no duration (no wait, no expectation with at, within or for): "
                                + "give noEvent its window with for: D");
                    }
                    yield event == null || subject == null ? null : new Expectation.NoEvent(subject, event, timing, of);
                }
                case "event" -> {
                    String event = event(o, "event", path);
                    Subject subject = subject(o, path, true);
                    PhoneCount count = count(o, path, subject);
                    String server = role(o, "server", path, false);
                    if (timing == null) {
                        error(path, o, "say when: within: D (a deadline) or at: D (an instant, with tolerance)");
                    }
                    Duration tolerance = duration(o, "tolerance", path, Duration.ZERO, Duration.ofHours(1), false);
                    if (tolerance != null && timing != null && timing.mode() != Timing.Mode.AT) {
                        error(path + ".tolerance", o.get("tolerance"), "tolerance goes with at, not with "
                                + timing.mode().key());
                    }
                    yield event == null || subject == null || count == null || timing == null ? null
                            : new Expectation.EventSeen(subject, count, event, server, timing,
                            tolerance == null ? Expectation.EventSeen.DEFAULT_TOLERANCE : tolerance, of);
                }
                default -> {
                    Subject subject = subject(o, path, true);
                    PhoneCount count = count(o, path, subject);
                    Long line = whole(o, "line", path, 1, 6, false);
                    String on = choice(o, "on", path, List.of("primary", "backup", "none"), false);
                    String state = choice(o, "state", path, LINE_STATES, false);
                    String call = choice(o, "callState", path, CALL_STATES, false);
                    yield subject == null || count == null ? null : new Expectation.PhonesState(subject, count,
                            line == null ? 1 : line.intValue(), on,
                            state == null ? null : Outputs.LineState.valueOf(state.toUpperCase(Locale.ROOT)),
                            call == null ? null : Outputs.CallState.valueOf(call.toUpperCase(Locale.ROOT)), timing, of);
                }
            };
            return problems.size() > before ? null : result;
        }

        private String notFor(String kind, String key) {
            return switch (kind) {
                case "noEvent" -> key.equals("at") || key.equals("within")
                        ? "noEvent is judged over a window: for: D, or leave it out for the whole step"
                        : "'" + key + "' does not go with noEvent";
                case "event" -> key.equals("for") ? "an event is seen at an instant or within a deadline; for a window "
                        + "with no such event use noEvent" : "'" + key + "' does not go with event (a state is another "
                        + "expectation)";
                case "metric" -> "'" + key + "' does not go with metric (a state or an event is another expectation)";
                default -> "'" + key + "' does not go with a state expectation (an event is another expectation)";
            };
        }

        private Timing timing(Obj o, String path) {
            List<String> modes = List.of("at", "within", "for").stream().filter(o::has).toList();
            if (modes.size() > 1) {
                error(path, o, "one mode per expectation: at, within or for; found " + String.join(" and ", modes));
                return null;
            }
            if (modes.isEmpty()) {
                return null;
            }
            String m = modes.get(0);
            Duration d = duration(o, m, path, m.equals("at") ? Duration.ZERO : Duration.ofMillis(1), MAX_DURATION, true);
            return d == null ? null : new Timing(Timing.Mode.valueOf(m.toUpperCase(Locale.ROOT)), d);
        }

        private String of(Obj o, String path, int stepIndex) {
            String of = string(o, "of", path, false);
            if (of == null) {
                return null;
            }
            int idx = stepNames.indexOf(of);
            if (idx < 0) {
                error(path + ".of", o.get("of"), "no step named '" + of + "'"
                        + hint(of, stepNames.stream().filter(x -> x != null).toList()));
                return null;
            }
            if (idx > stepIndex) {
                error(path + ".of", o.get("of"), "step '" + of + "' comes later: times count from this step or an "
                        + "earlier one");
                return null;
            }
            return of;
        }

        private Subject subject(Obj o, String path, boolean required) {
            boolean phone = o.has("phone");
            boolean fleet = o.has("fleet");
            if (phone && fleet) {
                error(path, o, "give phone or fleet, not both");
                return null;
            }
            if (phone) {
                String id = phoneRef(o, path);
                return id == null ? null : new Subject(id, null);
            }
            if (fleet) {
                String f = fleetRef(o, "fleet", path);
                return f == null ? null : new Subject(null, f);
            }
            if (required) {
                error(path, o, "say whose: phone: {fleet}-{i} or fleet: {name}");
                return null;
            }
            return Subject.EVERY_PHONE;
        }

        private PhoneCount count(Obj o, String path, Subject subject) {
            Node n = o.get("phones");
            if (n == null) {
                return PhoneCount.ALL;
            }
            String p = path + ".phones";
            if (subject != null && subject.phone() != null) {
                error(p, n, "phones counts a fleet's phones: leave it out for one phone");
                return null;
            }
            Object v = n instanceof Scalar s ? s.value() : null;
            if ("all".equals(v)) {
                return PhoneCount.ALL;
            }
            if ("none".equals(v)) {
                return PhoneCount.NONE;
            }
            if (v instanceof Integer || v instanceof Long) {
                long k = ((Number) v).longValue();
                FleetDef f = subject == null ? null : fleets.get(subject.fleet());
                long max = f == null ? FleetDef.MAX_COUNT : f.count();
                if (k < 1 || k > max) {
                    error(p, n, "phones is all, none, or a number 1.." + max
                            + (f == null ? "" : " (fleet " + f.name() + " has " + f.count() + ")") + "; not " + k);
                    return null;
                }
                return PhoneCount.atLeast((int) k);
            }
            error(p, n, "phones is all, none, or a number of phones (at least that many); not " + Tree.describe(n));
            return null;
        }

        private String event(Obj o, String key, String path) {
            String e = string(o, key, path, true);
            if (e != null && !Expectation.EVENT_TYPES.contains(e)) {
                error(path + "." + key, o.get(key), "unknown event '" + e + "'" + hint(e, Expectation.EVENT_TYPES)
                        + "; events (behaviour.md §12): " + String.join(", ", Expectation.EVENT_TYPES));
                return null;
            }
            return e;
        }

        private MetricExpression metric(String text, String path, Node at) {
            try {
                return MetricExpression.parse(text, t1);
            } catch (IllegalArgumentException e) {
                error(path, at, e.getMessage());
                return null;
            }
        }

        private List<Threshold> thresholds(Obj top) {
            List<Threshold> out = new ArrayList<>();
            Arr a = list(top, "thresholds", "");
            if (a == null) {
                return out;
            }
            for (int i = 0; i < a.items().size(); i++) {
                String path = "thresholds[" + i + "]";
                Node n = a.items().get(i);
                if (n instanceof Scalar s && s.value() instanceof String text) {
                    MetricExpression m = metric(text, path, n);
                    if (m != null) {
                        out.add(new Threshold(m, null));
                    }
                    continue;
                }
                Obj o = object(n, path, "a threshold: \"failoverLatency.p95 < 8s\", or {metric: ..., fleet: name}");
                if (o == null) {
                    continue;
                }
                allowOnly(o, path, List.of("metric", "fleet"));
                String text = string(o, "metric", path, true);
                MetricExpression m = text == null ? null : metric(text, path + ".metric", o.get("metric"));
                String fleet = o.has("fleet") ? fleetRef(o, "fleet", path) : null;
                if (m != null) {
                    out.add(new Threshold(m, fleet));
                }
            }
            return out;
        }

        // ---------------------------------------------------------------- references

        private String fleetRef(Obj o, String key, String path) {
            String f = string(o, key, path, true);
            if (f == null) {
                return null;
            }
            if (!fleets.containsKey(f) && !relayFleets.contains(f)) {
                List<String> known = new ArrayList<>(fleets.keySet());
                known.addAll(relayFleets);
                error(path + "." + key, o.get(key), "no fleet named '" + f + "'" + hint(f, known)
                        + (known.isEmpty() ? "; the scenario defines none" : "; fleets: " + String.join(", ", known)));
                return null;
            }
            return f;
        }

        private String phoneRef(Obj o, String path) {
            String id = string(o, "phone", path, true);
            return id != null && checkPhone(id, path + ".phone", o.get("phone")) ? id : null;
        }

        /** {fleet}-{i} of a fleet of the scenario, or host:port of a relay's client when there are relays. */
        private boolean checkPhone(String id, String path, Node at) {
            String fleet = fleetOfPhone(id);
            if (fleet != null) {
                FleetDef f = fleets.get(fleet);
                int i = Integer.parseInt(id.substring(fleet.length() + 1));
                if (i < 1 || i > f.count()) {
                    error(path, at, "fleet " + fleet + " has phones " + f.phoneId(1) + ".." + f.phoneId(f.count())
                            + "; there is no " + id);
                    return false;
                }
                return true;
            }
            if (!relayFleets.isEmpty() && (HOST_PORT.matcher(id).matches() || RELAY_PHONE.matcher(id).matches())) {
                return true;
            }
            error(path, at, "no phone '" + id + "': phone ids are {fleet}-{i} of a fleet of the scenario"
                    + (relayFleets.isEmpty() ? "" : ", or a relay's client: user@host of the AOR it registers, or "
                    + "host:port"));
            return false;
        }

        private String fleetOfPhone(String id) {
            if (id == null) {
                return null;
            }
            for (String f : fleets.keySet()) {
                if (id.startsWith(f + "-") && id.substring(f.length() + 1).matches("[0-9]{1,7}")) {
                    return f;
                }
            }
            return null;
        }

        private String role(Obj o, String key, String path, boolean required) {
            return choice(o, key, path, ROLES, required);
        }

        private String[] hostPort(String v, String path, Node at) {
            var m = HOST_PORT.matcher(v);
            if (!m.matches()) {
                error(path, at, "'" + v + "' is not host:port (e.g. 192.0.2.10:5060)");
                return null;
            }
            int port = Integer.parseInt(m.group(2));
            if (port > 65535) {
                error(path, at, "port must be 0..65535, got " + port);
                return null;
            }
            String host = m.group(1);
            return new String[] {host.startsWith("[") ? host.substring(1, host.length() - 1) : host, m.group(2)};
        }

        private void realTimeOnly(String path, Node at, String what) {
            if (clock == ClockMode.VIRTUAL) {
                error(path, at, what + " is real-time only: clock: virtual runs the device model against the "
                        + "in-memory server pair (use clock: real)");
            }
        }

        // ---------------------------------------------------------------- typed fields

        private Obj object(Node n, String path, String what) {
            if (n instanceof Obj o) {
                return o;
            }
            error(path, n, "expected " + what + "; found " + Tree.describe(n));
            return null;
        }

        private Arr list(Obj o, String key, String path) {
            Node n = o.get(key);
            if (n == null) {
                return null;
            }
            if (n instanceof Arr a) {
                return a;
            }
            error(p(path, key), n, key + " is a list; found " + Tree.describe(n));
            return null;
        }

        private void allowOnly(Obj o, String path, List<String> allowed) {
            allowOnlyWithHints(o, path, allowed, allowed);
        }

        private void allowOnlyWithHints(Obj o, String path, List<String> allowed, List<String> hints) {
            for (Field f : o.fields().values()) {
                if (!allowed.contains(f.key())) {
                    String hint = Suggest.closest(f.key(), hints);
                    errorAt(p(path, f.key()), f.line(), f.column(), "unknown field '" + f.key() + "'"
                            + (hint != null ? "; did you mean '" + hint + "'?" : "; known here: "
                            + String.join(", ", allowed)));
                }
            }
        }

        private String text(Node n, String path) {
            if (n instanceof Scalar s && s.value() instanceof String str) {
                return str;
            }
            error(path, n, "expected a string; found " + Tree.describe(n));
            return null;
        }

        private String string(Obj o, String key, String path, boolean required) {
            Node n = o.get(key);
            if (n == null) {
                if (required) {
                    error(p(path, key), o, key + " is required");
                }
                return null;
            }
            return text(n, p(path, key));
        }

        private String name(Obj o, String key, String path, boolean required) {
            String s = string(o, key, path, required);
            if (s != null && !NAME.matcher(s).matches()) {
                error(p(path, key), o.get(key), "'" + s + "' is not a name: letters, digits, '.', '_' and '-', starting "
                        + "with a letter or digit, at most 64");
                return null;
            }
            return s;
        }

        private String choice(Obj o, String key, String path, List<String> values, boolean required) {
            String s = string(o, key, path, required);
            if (s != null && !values.contains(s)) {
                error(p(path, key), o.get(key), "'" + s + "' is not one of " + String.join(", ", values)
                        + hint(s, values));
                return null;
            }
            return s;
        }

        private Long whole(Obj o, String key, String path, long min, long max, boolean required) {
            Node n = o.get(key);
            if (n == null) {
                if (required) {
                    error(p(path, key), o, key + " is required");
                }
                return null;
            }
            Object v = n instanceof Scalar s ? s.value() : null;
            if (v instanceof BigInteger || !(v instanceof Integer || v instanceof Long)) {
                error(p(path, key), n, "expected a whole number; found " + Tree.describe(n));
                return null;
            }
            long l = ((Number) v).longValue();
            if (l < min || l > max) {
                error(p(path, key), n, key + " must be " + min + ".." + max + ", got " + l);
                return null;
            }
            return l;
        }

        private Double number(Obj o, String key, String path, double min, double max, boolean required) {
            Node n = o.get(key);
            if (n == null) {
                if (required) {
                    error(p(path, key), o, key + " is required");
                }
                return null;
            }
            Object v = n instanceof Scalar s ? s.value() : null;
            if (!(v instanceof Number num)) {
                error(p(path, key), n, "expected a number; found " + Tree.describe(n));
                return null;
            }
            double d = num.doubleValue();
            if (!(d >= min && d <= max)) {
                error(p(path, key), n, key + " must be " + fmt(min) + ".." + fmt(max) + ", got " + num);
                return null;
            }
            return d;
        }

        private Boolean bool(Obj o, String key, String path) {
            Node n = o.get(key);
            if (n == null) {
                return null;
            }
            if (n instanceof Scalar s && s.value() instanceof Boolean b) {
                return b;
            }
            error(p(path, key), n, "expected true or false; found " + Tree.describe(n));
            return null;
        }

        private Duration duration(Obj o, String key, String path, Duration min, Duration max, boolean required) {
            Node n = o.get(key);
            if (n == null) {
                if (required) {
                    error(p(path, key), o, key + " is required");
                }
                return null;
            }
            if (!(n instanceof Scalar s && s.value() instanceof String str)) {
                Object v = n instanceof Scalar s2 ? s2.value() : null;
                error(p(path, key), n, (v instanceof Number num ? num + " is not a duration: give a unit, e.g. " + num
                        + "s or " + num + "ms" : "expected a duration such as 7.5s, 500ms, 2m or 15T1; found "
                        + Tree.describe(n)));
                return null;
            }
            Duration d;
            try {
                d = Durations.parse(str, t1);
            } catch (IllegalArgumentException e) {
                error(p(path, key), n, e.getMessage());
                return null;
            }
            if (d.compareTo(min) < 0 || d.compareTo(max) > 0) {
                error(p(path, key), n, key + " must be " + Durations.format(min) + ".." + Durations.format(max)
                        + ", got " + str);
                return null;
            }
            return d;
        }

        private String fmt(double d) {
            return d == Math.rint(d) ? Long.toString((long) d) : Double.toString(d);
        }

        private String hint(String name, List<String> known) {
            String h = Suggest.closest(name, known);
            return h == null || h.equals(name) ? "" : "; did you mean '" + h + "'?";
        }

        private String hint(String name, Set<String> known) {
            return hint(name, List.copyOf(known));
        }

        private String p(String path, String key) {
            return path.isEmpty() ? key : path + "." + key;
        }

        private void error(String path, Node at, String message) {
            problems.add(new ScenarioException.Problem(path, message, at == null ? 0 : at.line(),
                    at == null ? 0 : at.column()));
        }

        private void errorAt(String path, int line, int column, String message) {
            problems.add(new ScenarioException.Problem(path, message, line, column));
        }
    }
}
