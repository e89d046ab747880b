package io.sipfleet.simulator.trace;

import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;

/**
 * A phone's trace as a text ladder, one line a message:
 * {@code 12:00:01.234567  phone -> primary  REGISTER  (CSeq 1 REGISTER, Call-ID abc@x) [retransmission]}.
 * Times are UTC, to the microsecond.
 */
public final class Ladder {
    private static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("HH:mm:ss.SSSSSS").withZone(ZoneOffset.UTC);

    private Ladder() {}

    public static String of(PhoneSipTrace trace) {
        StringBuilder b = new StringBuilder();
        b.append("# SIP trace of phone ").append(trace.phone()).append(" (times UTC; ")
                .append(trace.messages().size()).append(" messages)\n");
        for (TracedMessage m : trace.messages()) {
            String server = trace.serverName(m);
            Instant at = Instant.ofEpochSecond(m.atMicros() / 1_000_000, (m.atMicros() % 1_000_000) * 1_000);
            b.append(TIME.format(at)).append("  ")
                    .append(m.sent() ? "phone -> " + server : server + " -> phone").append("  ")
                    .append(m.label()).append("  (");
            if (m.cseq() != null) {
                b.append("CSeq ").append(m.cseq()).append(", ");
            }
            b.append("Call-ID ").append(m.callId()).append(", ").append(m.transport()).append(' ').append(m.peer())
                    .append(')');
            if (m.retransmission()) {
                b.append(" [retransmission]");
            }
            b.append('\n');
        }
        return b.toString();
    }
}
