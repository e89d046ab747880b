package io.sipfleet.simulator.scenario.run;

import io.sipfleet.device.event.PhoneEvent;
import io.sipfleet.simulator.fleet.FleetEvent;
import io.sipfleet.simulator.runtime.OverloadMonitor;
import io.sipfleet.simulator.scenario.MetricExpression;
import io.sipfleet.simulator.scenario.MetricExpression.Metric;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The figures a metric expression judges, computed from the run's events over a window (README "Scenario files",
 * metric expressions). Failover latency is how long a server was tried before the phone failed over: from the start
 * of that walk step (the walk's REGISTER, the call's INVITE, a failback probe, or the previous failover of the same
 * walk) to the failover, as {@code sipfleet_failover_latency_seconds} measures it; the statistics are exact over the
 * window's failovers (nearest rank), not histogram buckets.
 */
final class Metrics {
    private Metrics() {
    }

    /**
     * One measured figure.
     *
     * @param value in the metric's unit (ms, a count, 1/0); NaN when there is nothing to measure (no failover)
     * @param text  for reports: {@code failoverLatency.p95 = 752ms (10 failovers)}
     */
    record Measure(double value, String text) {}

    static Measure measure(MetricExpression m, String fleet, long fromMs, long toMs, Observer obs) {
        List<RunPhone> phones = obs.phones(fleet);
        String name = m.metric().key() + (m.stat() == null ? "" : "." + m.stat());
        if (m.metric() == Metric.OVERLOADED) {
            String why = null;
            OverloadMonitor o = obs.overload();
            if (overloaded(o, fromMs, toMs)) {
                var st = o.status();
                why = "the overload watch: " + (st.overloaded() ? "overloaded since +" + (st.since() - fromMs) + "ms"
                        : "last over its threshold at +" + (st.lastOverloadedAt() - fromMs) + "ms") + " " + st.reasons();
            }
            int late = 0;
            FleetEvent first = null;
            for (RunPhone h : phones) {
                for (FleetEvent e : obs.events(h, true)) {
                    if (behind(e, o) && e.event().at() >= fromMs && e.event().at() <= toMs) {
                        late++;
                        if (first == null || e.event().at() < first.event().at()) {
                            first = e;
                        }
                    }
                }
            }
            if (why == null && first != null) {
                why = late + " event" + (late == 1 ? "" : "s") + " decided while behind, first " + first.phone() + " "
                        + Describe.event(first.event(), fromMs, true);
            }
            return new Measure(why != null ? 1 : 0, name + " = " + (why != null) + (why == null ? "" : " (" + why + ")"));
        }
        if (m.metric() == Metric.FAILOVER_LATENCY) {
            List<Long> latencies = new ArrayList<>();
            for (RunPhone h : phones) {
                Map<Integer, Long> stepStart = new HashMap<>();
                for (FleetEvent fe : obs.events(h, true)) {
                    PhoneEvent e = fe.event();
                    if (e instanceof PhoneEvent.Registering || e instanceof PhoneEvent.CallPlaced
                            || e instanceof PhoneEvent.FailbackProbe) {
                        stepStart.put(e.line(), e.at());
                    } else if (e instanceof PhoneEvent.Registered) {
                        stepStart.remove(e.line());
                    } else if (e instanceof PhoneEvent.Failover) {
                        Long started = stepStart.put(e.line(), e.at());
                        if (started != null && e.at() >= started && e.at() >= fromMs && e.at() <= toMs) {
                            latencies.add(e.at() - started);
                        }
                    }
                }
            }
            if (latencies.isEmpty()) {
                return new Measure(Double.NaN, name + ": no failover in the window");
            }
            latencies.sort(null);
            double v = statistic(latencies, m.stat());
            return new Measure(v, name + " = " + Math.round(v) + "ms (" + latencies.size() + " failover"
                    + (latencies.size() == 1 ? "" : "s") + ", min " + latencies.get(0) + "ms, max "
                    + latencies.get(latencies.size() - 1) + "ms)");
        }
        String type = switch (m.metric()) {
            case FAILOVERS -> "failover";
            case FAILBACKS -> "failback";
            case REGISTRATIONS -> "registered";
            case REGISTRATIONS_FAILED -> "register-failed";
            case CALLS_ESTABLISHED -> "call-established";
            case CALLS_FAILED -> "call-failed";
            case KEEPALIVE_TIMEOUTS -> "keepalive-timeout";
            default -> throw new IllegalStateException(m.metric().toString());
        };
        long n = 0;
        for (RunPhone h : phones) {
            for (FleetEvent e : obs.events(h, true)) {
                if (e.event().type().equals(type) && e.event().at() >= fromMs && e.event().at() <= toMs) {
                    n++;
                }
            }
        }
        return new Measure(n, name + " = " + n);
    }

    /**
     * Whether an event says the simulator was behind its own work by more than the overload threshold: a decision
     * marked overloaded, or a request that reached the wire later than the threshold ({@code sent-late} below it
     * says only that the wire tolerance, 5 ms, was passed: marked, but not an overload).
     */
    static boolean behind(FleetEvent e, OverloadMonitor o) {
        if (!e.overloaded()) {
            return false;
        }
        if (e.event() instanceof PhoneEvent.SentLate s) {
            return o == null || s.lateMs() * 1_000_000L > o.thresholdNanos();
        }
        return true;
    }

    /** Whether the simulator was overloaded at any moment of the window (by its watch's samples). */
    static boolean overloaded(OverloadMonitor o, long fromMs, long toMs) {
        if (o == null) {
            return false;
        }
        OverloadMonitor.Status s = o.status();
        if (s.overloaded() && (s.since() == null || s.since() <= toMs)) {
            return true;
        }
        return s.lastOverloadedAt() != null && s.lastOverloadedAt() >= fromMs;
    }

    /** Nearest-rank percentile, min, max or mean of sorted values. */
    static double statistic(List<Long> sorted, String stat) {
        int n = sorted.size();
        switch (stat) {
            case "min":
                return sorted.get(0);
            case "max":
                return sorted.get(n - 1);
            case "mean":
                return sorted.stream().mapToLong(Long::longValue).average().orElse(Double.NaN);
            default:
                double p = Double.parseDouble(stat.substring(1));
                int rank = (int) Math.ceil(p / 100.0 * n);
                return sorted.get(Math.max(0, Math.min(n - 1, rank - 1)));
        }
    }
}
