package io.sipfleet.simulator.scenario;

import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A threshold on one metric: {@code <metric>[.<statistic>] <operator> <value>}, e.g.
 * {@code failoverLatency.p95 < 8s}, {@code registrationsFailed == 0}, {@code overloaded == false}. A small, closed
 * vocabulary (the {@link Metric} names, their statistics, six operators), not an expression language.
 *
 * @param text  the expression as written
 * @param stat  the statistic of a distribution metric ({@code p95}, ...); null for counts and flags
 * @param value the right-hand side in the metric's unit: milliseconds for durations, a count, or 1/0 for true/false
 */
public record MetricExpression(String text, Metric metric, String stat, Op op, double value) {

    private static final Pattern SYNTAX =
            Pattern.compile("\\s*([A-Za-z][A-Za-z0-9]*)(?:\\.([A-Za-z0-9]+))?\\s*(<=|>=|==|!=|<|>|=)\\s*(\\S+)\\s*");

    /** The statistics of a distribution: percentiles (upper bucket bounds in real time, exact in virtual time). */
    public static final List<String> STATS = List.of("p50", "p90", "p95", "p99", "max", "min", "mean");

    /** What a metric measures. */
    public enum ValueKind { DURATION, COUNT, FLAG }

    /** The metrics a scenario may judge, over its window (a step's, or the whole run for thresholds). */
    public enum Metric {
        /** how long a server was tried before failing over (failover events; sipfleet_failover_latency_seconds) */
        FAILOVER_LATENCY("failoverLatency", ValueKind.DURATION),
        /** failover events */
        FAILOVERS("failovers", ValueKind.COUNT),
        /** failback events */
        FAILBACKS("failbacks", ValueKind.COUNT),
        /** registered events (initial, refresh, failover and failback registrations) */
        REGISTRATIONS("registrations", ValueKind.COUNT),
        /** register-failed events: every server of the walk unavailable */
        REGISTRATIONS_FAILED("registrationsFailed", ValueKind.COUNT),
        /** call-established events */
        CALLS_ESTABLISHED("callsEstablished", ValueKind.COUNT),
        /** call-failed events */
        CALLS_FAILED("callsFailed", ValueKind.COUNT),
        /** keepalive-timeout events */
        KEEPALIVE_TIMEOUTS("keepaliveTimeouts", ValueKind.COUNT),
        /** whether the simulator was overloaded at any moment of the window (GET /api/status) */
        OVERLOADED("overloaded", ValueKind.FLAG);

        private final String key;
        private final ValueKind kind;

        Metric(String key, ValueKind kind) {
            this.key = key;
            this.kind = kind;
        }

        public String key() {
            return key;
        }

        public ValueKind kind() {
            return kind;
        }

        public static List<String> keys() {
            return Arrays.stream(values()).map(Metric::key).toList();
        }
    }

    /** The comparison ({@code =} is read as {@code ==}). */
    public enum Op {
        LT("<"), LE("<="), GT(">"), GE(">="), EQ("=="), NE("!=");

        private final String symbol;

        Op(String symbol) {
            this.symbol = symbol;
        }

        public String symbol() {
            return symbol;
        }

        static Op of(String s) {
            if (s.equals("=")) {
                return EQ;
            }
            return Arrays.stream(values()).filter(o -> o.symbol.equals(s)).findFirst().orElseThrow();
        }

        public boolean test(double measured, double limit) {
            return switch (this) {
                case LT -> measured < limit;
                case LE -> measured <= limit;
                case GT -> measured > limit;
                case GE -> measured >= limit;
                case EQ -> measured == limit;
                case NE -> measured != limit;
            };
        }
    }

    /** The same check, written differently (reports show the text as written). */
    public MetricExpression withText(String newText) {
        return new MetricExpression(newText, metric, stat, op, value);
    }

    /** Whether a measured figure (in the metric's unit, see {@link #value()}) passes. */
    public boolean test(double measured) {
        return op.test(measured, value);
    }

    /** The right-hand side as a duration (duration metrics only). */
    public Duration durationValue() {
        return Duration.ofMillis((long) value);
    }

    /**
     * Parses one expression.
     *
     * @throws IllegalArgumentException with a message a person can act on
     */
    public static MetricExpression parse(String text) {
        return parse(text, Durations.DEFAULT_T1);
    }

    /**
     * Parses one expression; a duration in {@code T1} is read with {@code t1}.
     *
     * @throws IllegalArgumentException with a message a person can act on
     */
    public static MetricExpression parse(String text, Duration t1) {
        Matcher m = SYNTAX.matcher(text == null ? "" : text);
        if (!m.matches()) {
            throw new IllegalArgumentException("'" + text + "' is not a metric expression: write <metric>[.<statistic>] "
                    + "<operator> <value>, e.g. failoverLatency.p95 < 8s or registrationsFailed == 0");
        }
        String name = m.group(1);
        Metric metric = Arrays.stream(Metric.values()).filter(x -> x.key.equals(name)).findFirst().orElse(null);
        if (metric == null) {
            String hint = Suggest.closest(name, Metric.keys());
            throw new IllegalArgumentException("unknown metric '" + name + "'" + (hint == null ? "" : "; did you mean '"
                    + hint + "'?") + " Metrics: " + String.join(", ", Metric.keys()));
        }
        String stat = m.group(2);
        Op op = Op.of(m.group(3));
        String rhs = m.group(4);
        double value;
        switch (metric.kind) {
            case DURATION -> {
                if (stat == null) {
                    throw new IllegalArgumentException(name + " is a distribution: name a statistic, e.g. " + name
                            + ".p95; statistics: " + String.join(", ", STATS));
                }
                if (!STATS.contains(stat)) {
                    throw new IllegalArgumentException("unknown statistic '" + stat + "' of " + name + "; statistics: "
                            + String.join(", ", STATS));
                }
                try {
                    value = Durations.parse(rhs, t1).toMillis();
                } catch (IllegalArgumentException e) {
                    throw new IllegalArgumentException(name + " is compared with a duration such as 8s or 500ms, not '"
                            + rhs + "'");
                }
            }
            case COUNT -> {
                noStat(name, stat);
                if (!rhs.matches("[0-9]{1,15}")) {
                    throw new IllegalArgumentException(name + " is a count: compare it with a whole number >= 0, not '"
                            + rhs + "'");
                }
                value = Long.parseLong(rhs);
            }
            case FLAG -> {
                noStat(name, stat);
                if (op != Op.EQ && op != Op.NE) {
                    throw new IllegalArgumentException(name + " is true or false: compare it with == or !=");
                }
                String v = rhs.toLowerCase(Locale.ROOT);
                if (!v.equals("true") && !v.equals("false")) {
                    throw new IllegalArgumentException(name + " is compared with true or false, not '" + rhs + "'");
                }
                value = v.equals("true") ? 1 : 0;
            }
            default -> throw new IllegalStateException();
        }
        return new MetricExpression(text.trim(), metric, stat, op, value);
    }

    private static void noStat(String name, String stat) {
        if (stat != null) {
            throw new IllegalArgumentException(name + " has no statistics ('." + stat + "'): compare it as it is, e.g. "
                    + name + " == 0");
        }
    }
}
