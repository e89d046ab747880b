package io.sipfleet.systemtests;

import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The cold-start measurement shared by {@link ColdStartTest} (built-in servers) and {@link ColdStartKamailioIT}:
 * a freshly started service (T1 = 50 ms), its primary made silent, creates ONE V3 phone (UDP); on the packets,
 * the phone's first REGISTER to the backup must follow its first REGISTER to the primary by 15*T1 = 750 ms
 * (V3, R = 3: sends at 0, 50, 150, 350 ms, unavailable at 750 ms; behaviour.md §5, §13) within 5 ms.
 */
final class ColdStart {
    static final long T1_MS = 50;
    static final double EXPECTED_MS = 15 * T1_MS;
    static final double TOLERANCE_MS = 5;

    /** What the packets (and, for comparison, the service's own events) said. */
    record Result(List<PacketCapture.SipPacket> toPrimary, List<PacketCapture.SipPacket> toBackup, double gapMs,
                  double errorMs, long registeringAt, long failoverAt, boolean failoverMarked, String status) {
        double eventGapMs() {
            return registeringAt < 0 || failoverAt < 0 ? Double.NaN : failoverAt - registeringAt;
        }

        String describe(String where) {
            PacketCapture.SipPacket first = toPrimary.get(0);
            StringBuilder s = new StringBuilder();
            s.append(String.format(Locale.ROOT, "cold start, %s: first register failover of a fresh service (V3, UDP, "
                    + "T1 %d ms, primary silent), on the packets (dumpcap on lo, kernel timestamps):%n", where, T1_MS));
            s.append("  REGISTER to the primary at");
            for (PacketCapture.SipPacket p : toPrimary) {
                s.append(String.format(Locale.ROOT, " +%.3f", (p.epochNanos() - first.epochNanos()) / 1e6));
            }
            s.append(" ms (expected +0, +50, +150, +350)");
            s.append(String.format(Locale.ROOT, "%n  first REGISTER to the backup at +%.3f ms (expected +%.0f ± %.0f): "
                    + "error %+.3f ms%n", gapMs, EXPECTED_MS, TOLERANCE_MS, errorMs));
            s.append(String.format(Locale.ROOT, "  the service's own events (its System.currentTimeMillis, 1 ms steps): "
                    + "registering -> failover %.0f ms (error %+.0f ms); on the same real-time clock the first REGISTER "
                    + "left %+.1f ms after 'registering', the first to the backup %+.1f ms after 'failover'",
                    eventGapMs(), eventGapMs() - EXPECTED_MS, first.epochMillis() - registeringAt,
                    toBackup.get(0).epochMillis() - failoverAt));
            s.append(String.format(Locale.ROOT, "%n  the failover event %s marked \"overloaded\"; the service's own lag "
                    + "(GET /api/status): %s", failoverMarked ? "IS" : "is not", status));
            return s.toString();
        }
    }

    private ColdStart() {
    }

    /**
     * Captures, creates the phone, waits until it is on the backup, and measures. The primary must already be
     * silent.
     */
    static Result firstFailover(ServiceProcess svc, String primaryHost, int primaryPort, String backupHost,
                                int backupPort) {
        String filter = "udp and src host 127.0.0.1 and ((dst host " + primaryHost + " and dst port " + primaryPort
                + ") or (dst host " + backupHost + " and dst port " + backupPort + "))";
        List<PacketCapture.SipPacket> packets;
        try (PacketCapture cap = PacketCapture.start("cold-start", filter, primaryPort, backupPort)) {
            Map<String, Object> line = Map.of("registerAddr", primaryHost, "registerPort", primaryPort,
                    "backupAddr", backupHost, "backupPort", backupPort, "transport", "UDP", "backupTransport", "UDP",
                    "keepAliveInterval", 0, "registerTtl", 3600);
            svc.rest().post("/api/fleets", Map.of("name", "cold", "model", "V3", "count", 1, "firstUser", 3001,
                    "password", "pw{user}", "line", line)).expect(201);
            await("the phone registered on the backup").atMost(Duration.ofSeconds(20))
                    .pollInterval(Duration.ofMillis(100))
                    .until(() -> svc.rest().get("/api/fleets/cold").expect(200).path("byActiveServer").path("backup")
                            .asInt() == 1);
            packets = cap.stop();
        }
        List<PacketCapture.SipPacket> toPrimary = new ArrayList<>();
        List<PacketCapture.SipPacket> toBackup = new ArrayList<>();
        for (PacketCapture.SipPacket p : packets) {
            if (p.is("REGISTER") && p.to(primaryHost, primaryPort)) {
                toPrimary.add(p);
            } else if (p.is("REGISTER") && p.to(backupHost, backupPort)) {
                toBackup.add(p);
            }
        }
        if (toPrimary.isEmpty() || toBackup.isEmpty()) {
            throw new AssertionError("REGISTERs not captured (to the primary: " + toPrimary.size() + ", to the backup: "
                    + toBackup.size() + "); all packets: " + packets + "; the phone's events: "
                    + svc.rest().get("/api/phones/cold-1/events").raw());
        }
        double gap = (toBackup.get(0).epochNanos() - toPrimary.get(0).epochNanos()) / 1e6;
        JsonNode events = svc.rest().get("/api/phones/cold-1/events").expect(200);
        long registering = -1;
        long failover = -1;
        boolean marked = false;
        for (JsonNode e : events) {
            String type = e.path("type").asText();
            if (registering < 0 && type.equals("registering")) {
                registering = e.path("at").asLong();
            } else if (failover < 0 && type.equals("failover")) {
                failover = e.path("at").asLong();
                marked = e.path("overloaded").asBoolean(false);
            }
        }
        JsonNode st = svc.rest().get("/api/status").json();
        String status = st == null ? "?" : "overloaded " + st.path("overloaded").asBoolean() + ", episodes "
                + st.path("episodes").asInt() + ", worst lag " + st.path("lag").path("maxMs").asDouble() + " ms ("
                + st.path("lag").path("maxSource").asText() + " at " + st.path("lag").path("maxAt").asText() + ")";
        return new Result(toPrimary, toBackup, gap, gap - EXPECTED_MS, registering, failover, marked, status);
    }
}
