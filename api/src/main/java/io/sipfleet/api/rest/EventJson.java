package io.sipfleet.api.rest;

import io.sipfleet.device.event.PhoneEvent;
import io.sipfleet.device.event.ServerFailure;
import io.sipfleet.device.event.ServerRef;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** An event as api.md gives it: {@code {"type","phone","line","at","server","address","request","reason","callId",...}}. */
public final class EventJson {
    private EventJson() {}

    /** The event, with {@code "overloaded": true} when the simulator was behind its own work as the phone decided it. */
    public static Map<String, Object> of(io.sipfleet.simulator.fleet.FleetEvent fe) {
        Map<String, Object> m = of(fe.event());
        if (fe.overloaded()) {
            m.put("overloaded", true);
        }
        return m;
    }

    public static Map<String, Object> of(PhoneEvent e) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("type", e.type());
        m.put("phone", e.phone());
        m.put("line", e.line());
        m.put("at", e.at());
        if (e.callId() != null) {
            m.put("callId", e.callId());
        }
        if (e instanceof PhoneEvent.Registering r) {
            server(m, r.server());
            m.put("trigger", r.trigger());
        } else if (e instanceof PhoneEvent.Registered r) {
            server(m, r.server());
            m.put("expires", r.expires());
        } else if (e instanceof PhoneEvent.RegisterFailed r) {
            m.put("request", "REGISTER");
            m.put("reasons", reasons(r.reasons()));
            m.put("retryAt", r.retryAt());
        } else if (e instanceof PhoneEvent.Failover f) {
            server(m, f.from());
            m.put("from", f.from().role());
            m.put("to", f.to().role());
            m.put("toAddress", f.to().address());
            m.put("request", f.request());
            m.put("reason", f.reason());
        } else if (e instanceof PhoneEvent.FailbackProbe p) {
            server(m, p.server());
        } else if (e instanceof PhoneEvent.FailbackProbeFailed p) {
            server(m, p.server());
            m.put("reason", p.reason());
            m.put("nextProbeAt", p.nextProbeAt());
        } else if (e instanceof PhoneEvent.Failback f) {
            server(m, f.server());
            m.put("from", f.from() == null ? null : f.from().role());
        } else if (e instanceof PhoneEvent.CallPlaced c) {
            server(m, c.server());
            m.put("number", c.number());
        } else if (e instanceof PhoneEvent.CallIncoming c) {
            server(m, c.server());
            m.put("from", c.from());
        } else if (e instanceof PhoneEvent.CallRejected c) {
            m.put("from", c.from());
            m.put("status", c.status());
        } else if (e instanceof PhoneEvent.CallEstablished c) {
            server(m, c.server());
            m.put("remote", c.remote());
            m.put("incoming", c.incoming());
        } else if (e instanceof PhoneEvent.CallEnded c) {
            m.put("reason", c.reason());
        } else if (e instanceof PhoneEvent.CallFailed c) {
            m.put("request", c.request());
            m.put("reasons", reasons(c.reasons()));
        } else if (e instanceof PhoneEvent.KeyPressed k) {
            m.put("key", k.key());
        } else if (e instanceof PhoneEvent.HookChanged h) {
            m.put("state", h.state());
        } else if (e instanceof PhoneEvent.KeepaliveTimeout k) {
            server(m, k.server());
            m.put("request", "OPTIONS");
            m.put("reason", k.reason());
        } else if (e instanceof PhoneEvent.SentLate l) {
            server(m, l.server());
            m.put("request", l.request());
            m.put("lateMs", l.lateMs());
        }
        return m;
    }

    private static void server(Map<String, Object> m, ServerRef s) {
        if (s != null) {
            m.put("server", s.role());
            m.put("address", s.address());
        }
    }

    private static List<Map<String, Object>> reasons(List<ServerFailure> failures) {
        return failures.stream().map(f -> {
            Map<String, Object> r = new LinkedHashMap<>();
            if (f.server() != null) {
                r.put("server", f.server().role());
                r.put("address", f.server().address());
            }
            r.put("request", f.request());
            r.put("reason", f.reason());
            return r;
        }).toList();
    }
}
