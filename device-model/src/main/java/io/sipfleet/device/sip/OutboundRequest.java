package io.sipfleet.device.sip;

import io.sipfleet.device.config.ServerConfig;

/**
 * A request the phone asks its signalling port to send: what to send, not how it looks on the wire.
 * The adapter builds the SIP message (Via, branch, Max-Forwards, Contact, SDP, route from the dialog)
 * from these fields.
 *
 * @param id          unique per phone runtime, for logs and correlation
 * @param phoneId     the phone
 * @param line        the line (1..n)
 * @param method      the method
 * @param purpose     why it is sent
 * @param server      where it goes: for BYE/ACK/CANCEL the server the dialog runs through
 * @param callId      Call-ID
 * @param cseq        CSeq number (CANCEL and ACK of a non-2xx carry the INVITE's)
 * @param user        the account's user (From; To for REGISTER)
 * @param displayName the From display name, may be empty
 * @param domain      the SIP domain of the account
 * @param contactUser the Contact user that tells this phone's line apart
 * @param target      INVITE: the dialled number (Request-URI user); else null
 * @param expires     REGISTER: Expires asked for; else -1
 * @param credentials answer to a previous challenge, or null
 * @param t1          the T1 of this transaction, ms
 * @param listener    receives the results
 * @param endpoint    receives requests from servers for this phone
 */
public record OutboundRequest(long id, String phoneId, int line, Method method, Purpose purpose, ServerConfig server,
                              String callId, long cseq, String user, String displayName, String domain,
                              String contactUser, String target, int expires, Credentials credentials, long t1,
                              ClientTransactionListener listener, SipEndpoint endpoint) {

    /** One line for logs: never the password. */
    @Override
    public String toString() {
        return method + "#" + id + "[" + phoneId + "/" + line + " " + purpose + " -> " + server.role() + " "
                + server.label() + " call-id=" + callId + " cseq=" + cseq
                + (target == null ? "" : " to=" + target) + (expires < 0 ? "" : " expires=" + expires)
                + (credentials == null ? "" : " +auth") + "]";
    }
}
