package io.sipfleet.simulator.trace;

/**
 * One SIP message a phone sent or received, as its trace keeps it.
 *
 * @param atMicros       when it left (sent) or came off the socket (received): epoch microseconds
 * @param sent           true: the phone sent it; false: the phone received it
 * @param local          the phones' stack's address as {@code ip:port}
 * @param peer           the other end (a server) as {@code ip:port}
 * @param transport      {@code UDP}, {@code TCP} or {@code TLS}
 * @param method         a request's method, or null for a response
 * @param status         a response's status code, or 0 for a request
 * @param reason         a response's reason phrase, or null
 * @param cseq           the CSeq header's value ({@code 2 REGISTER}), or null
 * @param callId         the Call-ID, or null
 * @param branch         the top Via's branch (the transaction), or null
 * @param retransmission the same message (same transaction, same first line) went the same way before
 * @param text           the whole message as on the wire (a digest response, never a password)
 */
public record TracedMessage(long atMicros, boolean sent, String local, String peer, String transport, String method,
                            int status, String reason, String cseq, String callId, String branch,
                            boolean retransmission, String text) {

    /** {@code REGISTER}, or {@code 401 Unauthorized}. */
    public String label() {
        return method != null ? method : reason == null || reason.isEmpty() ? Integer.toString(status)
                : status + " " + reason;
    }

    /** The same message, marked as a retransmission. */
    TracedMessage asRetransmission() {
        return new TracedMessage(atMicros, sent, local, peer, transport, method, status, reason, cseq, callId, branch,
                true, text);
    }

    /** Whether {@code other} is this message again: same way, transaction, CSeq and first line. */
    boolean sameAs(TracedMessage other) {
        return sent == other.sent && status == other.status && java.util.Objects.equals(method, other.method)
                && java.util.Objects.equals(branch, other.branch) && java.util.Objects.equals(cseq, other.cseq)
                && java.util.Objects.equals(callId, other.callId) && java.util.Objects.equals(peer, other.peer);
    }
}
