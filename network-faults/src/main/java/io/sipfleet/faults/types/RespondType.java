package io.sipfleet.faults.types;

import io.sipfleet.faults.Direction;
import io.sipfleet.faults.InvalidFaultException;
import io.sipfleet.faults.Packet;
import io.sipfleet.faults.Verdict;
import java.util.Map;

/** {@code respond}: requests to the server are answered in its place with an error status. */
public final class RespondType extends AbstractFaultType {
    public static final String NAME = "respond";

    public RespondType() {
        super(NAME, "Answers each matched request (not ACK) on its way to the server in the server's place, "
                        + "e.g. with 503; the server never sees it. Responses, keep-alives and connects pass.",
                Direction.TO_SERVER,
                "status", "the response's status code, 300..699 (required)",
                "reason", "the reason phrase (default: the standard one for 408, 480, 486, 500, 503, 504, else \"Fault\")",
                "retryAfter", "seconds for a Retry-After header, >= 0 (default: no header)");
    }

    /** The reason phrase {@code respond} uses for a status when none is given. */
    public static String defaultReason(int status) {
        switch (status) {
            case 408: return "Request Timeout";
            case 480: return "Temporarily Unavailable";
            case 486: return "Busy Here";
            case 500: return "Server Internal Error";
            case 503: return "Service Unavailable";
            case 504: return "Server Time-out";
            default: return "Fault";
        }
    }

    @Override
    public Behaviour create(Map<String, Object> params, Direction direction) {
        if (direction == Direction.FROM_SERVER) {
            throw new InvalidFaultException("direction", "respond answers requests on their way to the server, "
                    + "so it cannot act on from-server packets: use to-server (the default) or both");
        }
        Params ps = read(params);
        int status = (int) ps.requiredInteger("status", 300, 699);
        String reason = ps.string("reason", defaultReason(status));
        if (reason.isBlank() || reason.length() > 200 || reason.chars().anyMatch(c -> c < 0x20 || c == 0x7f)) {
            throw ps.invalid("reason", "reason must be 1..200 characters of text without line breaks or control "
                    + "characters");
        }
        Integer retryAfter = ps.has("retryAfter") ? (int) ps.integer("retryAfter", 0, 0, Integer.MAX_VALUE) : null;
        return (p, nowMs, random, faultId) -> answers(p)
                ? new Verdict.Respond(faultId, status, reason, retryAfter)
                : Verdict.PASS;
    }

    private static boolean answers(Packet p) {
        return p.flow() == Packet.Flow.TO_SERVER && p.isRequest() && !"ACK".equalsIgnoreCase(p.method());
    }
}
