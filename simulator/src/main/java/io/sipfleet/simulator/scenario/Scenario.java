package io.sipfleet.simulator.scenario;

import java.time.Duration;
import java.util.List;
import java.util.Optional;

/**
 * One scenario file, as parsed and checked by {@link ScenarioParser}. Immutable; lists are unmodifiable and
 * never null; optional values are null where the README's field reference says "absent".
 *
 * @param apiVersion  always {@link #API_VERSION}
 * @param kind        always {@link #KIND}
 * @param metadata    name, description, tags
 * @param clock       real time (default) or the device model's virtual clock
 * @param seed        the seed of every random source of the run (phones' jitter, faults' draws)
 * @param t1          the T1 the file's {@code T1} durations were read with (the run's own, see {@link ScenarioParser})
 * @param timeout     the whole run is aborted (rollbacks run) when it takes longer
 * @param abortOnFail default for every step: stop at the first failed expectation, run the rollbacks
 * @param servers     the primary and the backup: built-in or external
 * @param relays      fault relays for phones outside the simulator (real time only)
 * @param fleets      the fleets created before the steady-state check, deleted at the end
 * @param steadyState probes checked before the first step and again after the last one
 * @param steps       in order
 * @param rollbacks   actions always carried out at the end, whatever happened (abort and error included)
 * @param thresholds  metric checks over the whole run, judged at its end
 */
public record Scenario(String apiVersion, String kind, Metadata metadata, ClockMode clock, long seed,
                       Duration t1, Duration timeout, boolean abortOnFail, Servers servers, List<Relay> relays,
                       List<FleetDef> fleets, List<Expectation> steadyState, List<Step> steps,
                       List<Action> rollbacks, List<Threshold> thresholds) {

    public static final String API_VERSION = "sipfleet/v1";
    public static final String KIND = "Scenario";
    public static final long DEFAULT_SEED = 1;
    public static final Duration DEFAULT_TIMEOUT = Duration.ofMinutes(30);

    public Scenario {
        relays = List.copyOf(relays);
        fleets = List.copyOf(fleets);
        steadyState = List.copyOf(steadyState);
        steps = List.copyOf(steps);
        rollbacks = List.copyOf(rollbacks);
        thresholds = List.copyOf(thresholds);
    }

    public Optional<FleetDef> fleet(String name) {
        return fleets.stream().filter(f -> f.name().equals(name)).findFirst();
    }

    /**
     * This scenario with one of its servers replaced, as the command line's {@code --server primary=HOST:PORT}
     * does: the same file runs against the built-in pair by default and against any external pair.
     *
     * @throws IllegalArgumentException for an external server in {@code clock: virtual} (it has no wire)
     */
    public Scenario withServer(ServerDef server) {
        if (clock == ClockMode.VIRTUAL && !server.builtin()) {
            throw new IllegalArgumentException("--server " + server.role() + "=" + server.address()
                    + ": an external server is real-time only; this scenario runs in clock: virtual");
        }
        Servers s = "primary".equals(server.role()) ? new Servers(server, servers.backup())
                : new Servers(servers.primary(), server);
        return new Scenario(apiVersion, kind, metadata, clock, seed, t1, timeout, abortOnFail, s, relays, fleets,
                steadyState, steps, rollbacks, thresholds);
    }

    public Optional<Step> step(String name) {
        return steps.stream().filter(s -> s.name().equals(name)).findFirst();
    }

    /** Whether the step stops the run when one of its expectations fails (its own setting, else the scenario's). */
    public boolean abortsOnFail(Step step) {
        return step.abortOnFail() != null ? step.abortOnFail() : abortOnFail;
    }

    /** @param tags free labels for a library (e.g. {@code §13}, {@code register-failover}) */
    public record Metadata(String name, String description, List<String> tags) {
        public Metadata {
            tags = List.copyOf(tags);
        }
    }

    /** Which clock the run uses. */
    public enum ClockMode {
        /** the real simulator: SIP on the wire, the real scheduler */
        REAL,
        /** the device model on its virtual clock against the in-memory server pair: deterministic for a seed */
        VIRTUAL;

        public String wireName() {
            return name().toLowerCase(java.util.Locale.ROOT);
        }
    }

    /** Server1 and Server2 of every fleet's lines (unless a fleet lists fewer). */
    public record Servers(ServerDef primary, ServerDef backup) {
        public List<ServerDef> all() {
            return List.of(primary, backup);
        }

        public ServerDef byRole(String role) {
            return switch (role) {
                case "primary" -> primary;
                case "backup" -> backup;
                default -> null;
            };
        }
    }

    /**
     * One server: the built-in one of that role ({@code host} null), or an external {@code host:port}.
     *
     * @param role {@code primary} or {@code backup}
     */
    public record ServerDef(String role, String host, Integer port) {
        private static final java.util.regex.Pattern OVERRIDE =
                java.util.regex.Pattern.compile("(primary|backup)=(\\[[0-9A-Fa-f:.]+\\]|[^:\\[\\]\\s]+):(\\d{1,5})");

        public static ServerDef builtin(String role) {
            return new ServerDef(role, null, null);
        }

        /**
         * Reads a command line's {@code primary=HOST:PORT} or {@code backup=HOST:PORT} ({@code [::1]:5060} for
         * IPv6; {@code primary=builtin} for the built-in one).
         *
         * @throws IllegalArgumentException naming what is wrong
         */
        public static ServerDef parseOverride(String text) {
            String t = text == null ? "" : text.trim();
            if (t.equals("primary=builtin") || t.equals("backup=builtin")) {
                return builtin(t.substring(0, t.indexOf('=')));
            }
            var m = OVERRIDE.matcher(t);
            if (!m.matches()) {
                throw new IllegalArgumentException("--server '" + text + "': expected primary=HOST:PORT or "
                        + "backup=HOST:PORT (e.g. primary=192.0.2.10:5060, backup=[::1]:5062, primary=builtin)");
            }
            int port = Integer.parseInt(m.group(3));
            if (port < 1 || port > 65535) {
                throw new IllegalArgumentException("--server '" + text + "': port must be 1..65535, got " + port);
            }
            String host = m.group(2);
            return new ServerDef(m.group(1), host.startsWith("[") ? host.substring(1, host.length() - 1) : host,
                    port);
        }

        public boolean builtin() {
            return host == null;
        }

        /** {@code host:port} of an external server, else null. */
        public String address() {
            return host == null ? null : (host.contains(":") ? "[" + host + "]" : host) + ":" + port;
        }
    }

    /**
     * A fault relay (as {@code POST /api/relays}); its clients are the phones of fleet {@code relay:{name}}.
     *
     * @param upstream {@code primary}, {@code backup} or {@code host:port}
     */
    public record Relay(String name, String listen, String upstream) {
        public String fleet() {
            return "relay:" + name;
        }
    }

    /**
     * A step: its actions are carried out in order at its start, then its expectations are judged.
     *
     * @param abortOnFail null: the scenario's setting
     */
    public record Step(String name, String description, List<Action> actions, List<Expectation> expectations,
                       Boolean abortOnFail) {
        public Step {
            actions = List.copyOf(actions);
            expectations = List.copyOf(expectations);
        }
    }

    /** A metric check over the whole run ({@code thresholds}), k6-style. @param fleet null: every phone */
    public record Threshold(MetricExpression metric, String fleet) {}
}
