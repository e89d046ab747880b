package io.sipfleet.api.rest;

import io.sipfleet.simulator.trace.PhoneSipTrace;
import io.sipfleet.simulator.trace.TracedMessage;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A phone's SIP trace as {@code GET /api/phones/{id}/trace} gives it: a list, oldest first, of
 * {@code {"at","time","direction","server":{"name","address","transport"},"method"|"status"+"reason","label",
 * "cseq","callId","branch","retransmission","message"}}.
 */
final class TraceJson {
    private TraceJson() {}

    static List<Map<String, Object>> of(PhoneSipTrace t) {
        return t.messages().stream().map(m -> of(t, m)).toList();
    }

    private static Map<String, Object> of(PhoneSipTrace t, TracedMessage m) {
        Map<String, Object> j = new LinkedHashMap<>();
        j.put("at", m.atMicros() / 1000.0);
        j.put("time", Instant.ofEpochSecond(m.atMicros() / 1_000_000, (m.atMicros() % 1_000_000) * 1_000).toString());
        j.put("direction", m.sent() ? "sent" : "received");
        Map<String, Object> server = new LinkedHashMap<>();
        server.put("name", t.serverName(m));
        server.put("address", m.peer());
        server.put("transport", m.transport());
        j.put("server", server);
        if (m.method() != null) {
            j.put("method", m.method());
        } else {
            j.put("status", m.status());
            j.put("reason", m.reason());
        }
        j.put("label", m.label());
        j.put("cseq", m.cseq());
        j.put("callId", m.callId());
        j.put("branch", m.branch());
        j.put("retransmission", m.retransmission());
        j.put("message", m.text());
        return j;
    }
}
