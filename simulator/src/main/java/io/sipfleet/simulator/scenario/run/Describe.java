package io.sipfleet.simulator.scenario.run;

import io.sipfleet.device.event.PhoneEvent;
import io.sipfleet.device.event.ServerRef;
import io.sipfleet.simulator.scenario.Action;
import io.sipfleet.simulator.scenario.Durations;
import io.sipfleet.simulator.scenario.Expectation;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/** Expectations, actions and events as a person reads them in reports (the file's own words). */
final class Describe {
    private Describe() {
    }

    static String expectation(Expectation e) {
        List<String> parts = new ArrayList<>();
        if (e instanceof Expectation.PhonesState s) {
            subject(parts, s.subject());
            count(parts, s.phones(), s.subject());
            if (s.line() != 1) parts.add("line: " + s.line());
            if (s.on() != null) parts.add("on: " + s.on());
            if (s.state() != null) parts.add("state: " + lower(s.state()));
            if (s.callState() != null) parts.add("callState: " + lower(s.callState()));
        } else if (e instanceof Expectation.EventSeen ev) {
            subject(parts, ev.subject());
            count(parts, ev.phones(), ev.subject());
            parts.add("event: " + ev.event());
            if (ev.server() != null) parts.add("server: " + ev.server());
        } else if (e instanceof Expectation.NoEvent n) {
            parts.add("noEvent: " + n.event());
            subject(parts, n.subject());
        } else if (e instanceof Expectation.MetricCheck m) {
            parts.add("metric: " + m.metric().text());
            if (m.fleet() != null) parts.add("fleet: " + m.fleet());
        }
        if (e.timing() != null) {
            parts.add(e.timing().mode().key() + ": " + Durations.format(e.timing().duration()));
            if (e instanceof Expectation.EventSeen ev && e.timing().mode() == Expectation.Timing.Mode.AT) {
                parts.add("tolerance: " + Durations.format(ev.tolerance()));
            }
        }
        if (e.of() != null) parts.add("of: " + e.of());
        return "{" + String.join(", ", parts) + "}";
    }

    private static void subject(List<String> parts, Expectation.Subject s) {
        if (s.phone() != null) parts.add("phone: " + s.phone());
        else if (s.fleet() != null) parts.add("fleet: " + s.fleet());
    }

    private static void count(List<String> parts, Expectation.PhoneCount c, Expectation.Subject s) {
        if (s.phone() != null) return;
        parts.add("phones: " + switch (c.kind()) {
            case ALL -> "all";
            case NONE -> "none";
            case AT_LEAST -> Integer.toString(c.n());
        });
    }

    static String lower(Enum<?> e) {
        return e.name().toLowerCase(Locale.ROOT);
    }

    static String action(Action a) {
        if (a instanceof Action.SetAvailability s) {
            return "{server: " + s.server() + ", mode: " + s.mode() + "}";
        } else if (a instanceof Action.AddFault f) {
            return "{fault: {" + (f.fault().name() == null ? "" : "name: " + f.fault().name() + ", ")
                    + "type: " + f.fault().type() + (f.fault().target() == null ? "" : ", target: " + f.fault().target())
                    + "}}";
        } else if (a instanceof Action.RemoveFault r) {
            return "{removeFault: " + r.name() + "}";
        } else if (a instanceof Action.Hook h) {
            return "{hook: " + h.state() + ", " + target(h.target()) + "}";
        } else if (a instanceof Action.Keys k) {
            return "{keys: " + k.keys() + ", " + target(k.target()) + "}";
        } else if (a instanceof Action.Register r) {
            return "{register: " + r.line() + ", " + target(r.target()) + "}";
        } else if (a instanceof Action.Wait w) {
            return "{wait: " + Durations.format(w.duration()) + "}";
        }
        return a.toString();
    }

    private static String target(Action.Target t) {
        return t.phone() != null ? "phone: " + t.phone() : "fleet: " + t.fleet();
    }

    /** An event for evidence: {@code +752ms failover primary->backup REGISTER (timeout)}. */
    static String event(PhoneEvent e, long refMs, boolean overloaded) {
        long d = e.at() - refMs;
        String rel = (d >= 0 ? "+" : "") + d + "ms";
        String detail = "";
        if (e instanceof PhoneEvent.Registering r) {
            detail = role(r.server()) + " (" + r.trigger() + ")";
        } else if (e instanceof PhoneEvent.Registered r) {
            detail = "on " + role(r.server());
        } else if (e instanceof PhoneEvent.RegisterFailed r) {
            detail = r.reasons().toString();
        } else if (e instanceof PhoneEvent.Failover f) {
            detail = role(f.from()) + "->" + role(f.to()) + " " + f.request() + " (" + f.reason() + ")";
        } else if (e instanceof PhoneEvent.FailbackProbe p) {
            detail = role(p.server());
        } else if (e instanceof PhoneEvent.FailbackProbeFailed p) {
            detail = role(p.server()) + " (" + p.reason() + ")";
        } else if (e instanceof PhoneEvent.Failback f) {
            detail = "to " + role(f.server());
        } else if (e instanceof PhoneEvent.CallPlaced c) {
            detail = c.number() + " via " + role(c.server());
        } else if (e instanceof PhoneEvent.CallEstablished c) {
            detail = "via " + role(c.server());
        } else if (e instanceof PhoneEvent.CallEnded c) {
            detail = c.reason();
        } else if (e instanceof PhoneEvent.CallFailed c) {
            detail = c.request() + " " + c.reasons();
        } else if (e instanceof PhoneEvent.KeepaliveTimeout k) {
            detail = role(k.server()) + " (" + k.reason() + ")";
        } else if (e instanceof PhoneEvent.SentLate s) {
            detail = s.request() + " to " + role(s.server()) + " " + s.lateMs() + "ms late";
        } else if (e instanceof PhoneEvent.KeyPressed k) {
            detail = k.key();
        } else if (e instanceof PhoneEvent.HookChanged h) {
            detail = h.state();
        }
        return rel + " " + e.type() + (detail.isEmpty() ? "" : " " + detail) + (overloaded ? " [overloaded]" : "");
    }

    static String role(ServerRef s) {
        return s == null ? "none" : s.role() == null ? String.valueOf(s.address()) : s.role();
    }

    /** The server roles an event concerns (for an expectation's {@code server}). */
    static List<String> roles(PhoneEvent e) {
        if (e instanceof PhoneEvent.Registering r) return List.of(role(r.server()));
        if (e instanceof PhoneEvent.Registered r) return List.of(role(r.server()));
        if (e instanceof PhoneEvent.Failover f) return List.of(role(f.from()), role(f.to()));
        if (e instanceof PhoneEvent.FailbackProbe p) return List.of(role(p.server()));
        if (e instanceof PhoneEvent.FailbackProbeFailed p) return List.of(role(p.server()));
        if (e instanceof PhoneEvent.Failback f) return List.of(role(f.server()));
        if (e instanceof PhoneEvent.CallPlaced c) return List.of(role(c.server()));
        if (e instanceof PhoneEvent.CallIncoming c) return List.of(role(c.server()));
        if (e instanceof PhoneEvent.CallEstablished c) return List.of(role(c.server()));
        if (e instanceof PhoneEvent.KeepaliveTimeout k) return List.of(role(k.server()));
        if (e instanceof PhoneEvent.SentLate s) return List.of(role(s.server()));
        return List.of();
    }
}
