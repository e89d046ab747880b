package io.sipfleet.simulator.relay;

import gov.nist.javax.sip.header.Contact;
import gov.nist.javax.sip.message.SIPMessage;
import gov.nist.javax.sip.message.SIPRequest;
import gov.nist.javax.sip.message.SIPResponse;
import java.util.Locale;
import java.util.ListIterator;
import javax.sip.address.SipURI;
import javax.sip.address.URI;
import javax.sip.header.ContactHeader;
import javax.sip.header.ExpiresHeader;

/**
 * What a fault relay saw of one SIP message between a client and its upstream server: read from the message JAIN-SIP
 * parsed (before the relay rewrites it), immutable, so that an observer on another thread may keep it.
 *
 * @param atMs       when the relay decided it, on the clock the relay was given (the simulation clock)
 * @param fromClient sent by the client (its request or its response to the server); else sent to it
 * @param delivered  a message to the client: it was forwarded to it (not dropped by a fault); a client's message: it
 *                   was forwarded upstream
 * @param client     the client's {@code host:port}, as a fault's phone id names it
 * @param transport  {@code UDP} or {@code TCP}
 * @param method     the request's method, or the response's CSeq method
 * @param status     the response's status; 0 for a request
 * @param callId     the Call-ID
 * @param cseq       the CSeq number
 * @param fromAor    the From URI's {@code user@host} (no port, host in lower case), or null when it has no user
 * @param toAor      the To URI's, likewise
 * @param toTagged   the To header has a tag (an in-dialog request, or a response)
 * @param expires    a REGISTER's (or its answer's) expiry in seconds: the largest Contact expires parameter, else the
 *                   Expires header; 0 for a Contact {@code *}; -1 when it has none or is no REGISTER
 */
public record WireMessage(long atMs, boolean fromClient, boolean delivered, String client, String transport,
                          String method, int status, String callId, long cseq, String fromAor, String toAor,
                          boolean toTagged, int expires) {

    /** Told of every message a relay decided: must be quick and thread-safe; what it throws is logged and ignored. */
    @FunctionalInterface
    public interface Tap {
        Tap NONE = m -> { };

        void observed(WireMessage m);
    }

    public boolean isRequest() {
        return status == 0;
    }

    /** A final response (200..699). */
    public boolean isFinal() {
        return status >= 200;
    }

    /** This message as the client sees an answer given in the server's place (a fault's {@code respond}). */
    WireMessage answeredWith(int answerStatus) {
        return new WireMessage(atMs, false, true, client, transport, method, answerStatus, callId, cseq, fromAor,
                toAor, true, -1);
    }

    static WireMessage of(SIPMessage m, long atMs, boolean fromClient, boolean delivered, String client,
            String transport) {
        String method = m instanceof SIPRequest q ? q.getMethod() : m.getCSeq().getMethod();
        int status = m instanceof SIPResponse r ? r.getStatusCode() : 0;
        return new WireMessage(atMs, fromClient, delivered, client, transport, method, status,
                m.getCallId().getCallId(), m.getCSeq().getSeqNumber(), aor(m.getFrom().getAddress().getURI()),
                aor(m.getTo().getAddress().getURI()), m.getTo().getTag() != null,
                "REGISTER".equals(method) ? expires(m) : -1);
    }

    /** {@code user@host} of a SIP URI (port and parameters left out), or null. */
    static String aor(URI uri) {
        if (uri instanceof SipURI s && s.getUser() != null && !s.getUser().isEmpty() && s.getHost() != null) {
            return s.getUser() + "@" + s.getHost().toLowerCase(Locale.ROOT);
        }
        return null;
    }

    private static int expires(SIPMessage m) {
        int most = -1;
        ListIterator<?> contacts = m.getHeaders(ContactHeader.NAME);
        while (contacts != null && contacts.hasNext()) {
            Object h = contacts.next();
            if (h instanceof Contact c) {
                if (c.isWildCard()) {
                    return 0;
                }
                most = Math.max(most, c.getExpires());
            }
        }
        if (most >= 0) {
            return most;
        }
        ExpiresHeader e = m.getExpires();
        return e == null ? -1 : e.getExpires();
    }
}
