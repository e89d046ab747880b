package io.sipfleet.simulator.relay;

import gov.nist.core.CommonLogger;
import gov.nist.javax.sip.address.AddressImpl;
import gov.nist.javax.sip.address.SipUri;
import gov.nist.javax.sip.header.Contact;
import gov.nist.javax.sip.header.ContactList;
import gov.nist.javax.sip.header.RouteList;
import gov.nist.javax.sip.header.Via;
import gov.nist.javax.sip.header.ViaList;
import gov.nist.javax.sip.message.SIPMessage;
import gov.nist.javax.sip.message.SIPRequest;
import gov.nist.javax.sip.message.SIPResponse;
import gov.nist.javax.sip.parser.ParseExceptionListener;
import gov.nist.javax.sip.parser.StringMsgParser;
import io.sipfleet.simulator.sip.JainSipStackLogger;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.text.ParseException;
import java.util.HexFormat;
import java.util.Locale;
import javax.sip.InvalidArgumentException;
import javax.sip.PeerUnavailableException;
import javax.sip.SipException;
import javax.sip.SipFactory;
import javax.sip.address.AddressFactory;
import javax.sip.header.HeaderFactory;
import javax.sip.header.RecordRouteHeader;
import javax.sip.header.RouteHeader;
import javax.sip.header.ViaHeader;

/**
 * The relay's SIP: parsing with JAIN-SIP's own parser, deciding where a message goes, and the few
 * rewrites that make a server with no NAT handling send everything back through the relay. No SIP
 * grammar of its own: every read and every change goes through JAIN-SIP's message and header classes.
 *
 * <h2>What is rewritten</h2>
 * <ul>
 *   <li><b>Via</b>: a request going either way gets the relay's Via on top,
 *       {@code SIP/2.0/UDP|TCP relayHost:relayPort;branch=z9hG4bKsfr<hash>} plus {@code sfr-c=<client>}
 *       (a client's request: where its responses go back to) or {@code sfr-s=<sender>} (a request from
 *       the server side: where the client's responses go back to). The branch is derived from the
 *       previous top Via's branch (and that parameter) with a per-relay secret, so a retransmission,
 *       and a CANCEL or non-2xx ACK, get the same branch (RFC 3261 16.11). A response arriving with the
 *       relay's Via on top has it removed, checked (the hash) and is sent where its parameter says.</li>
 *   <li><b>Contact</b>: every Contact of a message from a client (requests and responses; not {@code *})
 *       is made to point at the relay: {@code sip:user@127.0.0.1:5070;transport=x;ob} becomes
 *       {@code sip:user@relayHost:relayPort;transport=x;ob;sfr-c=u.127.0.0.1-5070}, with
 *       {@code sfr-o=HOST-PORT} added when the Contact's own host and port differ from the address the
 *       client sends from ({@code sfr-c}: transport, host and port of the client's socket).
 *       In the responses to REGISTER going back to the client the Contacts are restored, so a phone
 *       finds its own binding in the 200.</li>
 *   <li><b>Request-URI</b> of a request that carries {@code sfr-c} (the server calling a phone at its
 *       rewritten Contact) and has no Route left for anyone else: host and port are restored
 *       ({@code sfr-o}, or the address of {@code sfr-c}), the {@code sfr-*} parameters removed, and the
 *       request goes to the client at {@code sfr-c} (its TCP connection, or UDP).</li>
 *   <li><b>Route</b>: a top Route naming the relay is removed (loose routing).</li>
 *   <li><b>Record-Route</b>: {@code <sip:relayHost:relayPort;lr>} ({@code ;transport=tcp} on TCP) on
 *       top of a dialog-creating request (INVITE, SUBSCRIBE, REFER with no To tag), either way, so
 *       in-dialog requests traverse the relay.</li>
 *   <li><b>Max-Forwards</b> is decremented; a request arriving with 0 is answered 483.</li>
 * </ul>
 * Nothing else is touched (bodies, Authorization, the Request-URI of a client's request): a digest
 * stays valid.
 */
final class RelaySip {
    static final String BRANCH_PREFIX = "z9hG4bKsfr";
    /** Contact / Request-URI: the client's socket (transport, host, port) as an {@link Endpoint} token. */
    static final String P_CLIENT = "sfr-c";
    /** Contact / Request-URI: the Contact's own host and port when they differ from {@link #P_CLIENT}. */
    static final String P_ORIGINAL = "sfr-o";
    /** Via: where the responses to a request from the server side go back to. */
    static final String P_SENDER = "sfr-s";

    /** Where a message goes, what the policy is told about it, and how to rewrite it. */
    enum Action {
        /** A client's request to the server. */
        CLIENT_REQUEST,
        /** A request from the server side to a client. */
        SERVER_REQUEST,
        /** A response from the server side to a client's request. */
        SERVER_RESPONSE,
        /** A client's response to a request from the server side. */
        CLIENT_RESPONSE
    }

    private final String host;
    private final int port;
    private final byte[] secret = new byte[16];
    private final HeaderFactory headers;
    private final AddressFactory addresses;

    RelaySip(String advertisedHost, int port) {
        this.host = advertisedHost;
        this.port = port;
        new SecureRandom().nextBytes(secret);
        installLogger();
        try {
            SipFactory f = SipFactory.getInstance();
            this.headers = f.createHeaderFactory();
            this.addresses = f.createAddressFactory();
        } catch (PeerUnavailableException e) {
            throw new IllegalStateException("JAIN-SIP factories unavailable", e);
        }
    }

    /**
     * JAIN-SIP's parser logs through {@link CommonLogger}, whose default needs log4j (not on the
     * class path): with no stack created yet, give it ours, as a stack would.
     */
    static void installLogger() {
        synchronized (CommonLogger.class) {
            if (CommonLogger.legacyLogger == null) {
                CommonLogger.legacyLogger = new JainSipStackLogger();
            }
        }
    }

    // ------------------------------------------------------------------ parsing

    /** True for CR, LF, space and tab only: a keep-alive, not a message. */
    static boolean blank(byte[] b, int off, int len) {
        for (int i = off; i < off + len; i++) {
            byte c = b[i];
            if (c != '\r' && c != '\n' && c != ' ' && c != '\t') {
                return false;
            }
        }
        return true;
    }

    /**
     * One whole message (a UDP datagram, or a TCP frame), strictly: any header JAIN-SIP cannot parse,
     * a bad request or status line, a status outside 100..699, or a missing Via, From, To, Call-ID or
     * CSeq makes it malformed.
     */
    static SIPMessage parse(byte[] bytes) throws ParseException {
        FirstError errors = new FirstError();
        SIPMessage m = new StringMsgParser().parseSIPMessage(bytes, true, false, errors);
        if (errors.first != null) {
            throw errors.first;
        }
        if (m == null) {
            throw new ParseException("no message", 0);
        }
        if (m instanceof SIPRequest q && q.getRequestLine() == null
                || m instanceof SIPResponse r && (r.getStatusLine() == null || r.getStatusCode() < 100
                || r.getStatusCode() > 699)) {
            throw new ParseException("bad request or status line", 0);
        }
        if (m.getFrom() == null || m.getTo() == null || m.getCallId() == null || m.getCSeq() == null
                || m.getViaHeaders() == null || m.getViaHeaders().isEmpty()) {
            throw new ParseException("missing Via, From, To, Call-ID or CSeq", 0);
        }
        return m;
    }

    /**
     * The Content-Length of a header section (bytes up to and including the blank line) of a message on
     * a stream, read with JAIN-SIP's parser; 0 when absent. Throws when the header section is no SIP
     * message at all or its Content-Length cannot be read: the stream cannot be framed any more.
     */
    static int contentLength(byte[] headerSection) throws ParseException {
        FirstError errors = new FirstError();
        SIPMessage m = new StringMsgParser().parseSIPMessage(headerSection, false, false, errors);
        if (m == null) {
            throw new ParseException("no message", 0);
        }
        if (errors.contentLength != null) {
            throw errors.contentLength;
        }
        return m.getContentLength() == null ? 0 : m.getContentLength().getContentLength();
    }

    /** Records what JAIN-SIP's parser reports instead of letting it drop a bad header silently. */
    private static final class FirstError implements ParseExceptionListener {
        ParseException first;
        ParseException contentLength;

        @Override
        public void handleException(ParseException ex, SIPMessage message, Class headerClass, String headerText,
                String messageText) throws ParseException {
            if (first == null) {
                first = ex;
            }
            if (headerClass == gov.nist.javax.sip.header.ContentLength.class
                    || headerText != null && headerText.trim().toLowerCase(Locale.ROOT).matches("^(content-length|l)\\s*:.*")) {
                contentLength = ex;
            }
        }
    }

    // ------------------------------------------------------------------ planning

    /** Thrown when a message cannot be routed (not for the relay, or a token that does not decode). */
    static final class Unroutable extends Exception {
        private static final long serialVersionUID = 1L;

        Unroutable(String message) {
            super(message, null, false, false);
        }
    }

    /**
     * What to do with one parsed message, decided without changing it (the policy sees it first; a
     * {@code Respond} answers the original).
     */
    final class Plan {
        final Action action;
        final SIPMessage message;
        /** Where it goes: null = the upstream server, on the transport it arrived on. */
        final Endpoint target;
        /** The client, "host:port" ({@code Packet.phoneId}). */
        final String phoneId;
        final String method;
        final int status;
        /** A request with Max-Forwards 0: answer 483, forward nothing. */
        final boolean tooManyHops;
        private final Endpoint source;
        private final String restoreHostPort;

        private Plan(Action action, SIPMessage message, Endpoint source, Endpoint target, String phoneId,
                String restoreHostPort) {
            this.action = action;
            this.message = message;
            this.source = source;
            this.target = target;
            this.phoneId = phoneId;
            this.restoreHostPort = restoreHostPort;
            this.method = message instanceof SIPRequest q ? q.getMethod() : message.getCSeq().getMethod();
            this.status = message instanceof SIPResponse r ? r.getStatusCode() : 0;
            this.tooManyHops = message instanceof SIPRequest q && q.getMaxForwards() != null
                    && q.getMaxForwards().getMaxForwards() <= 0;
        }

        boolean isRequest() {
            return message instanceof SIPRequest;
        }

        boolean isAck() {
            return message instanceof SIPRequest q && "ACK".equals(q.getMethod());
        }

        /**
         * Rewrites the message (once) for sending on {@code transport} ('u' or 't': the hop it leaves on)
         * and encodes it.
         */
        byte[] apply(char transport) throws ParseException, SipException, InvalidArgumentException {
            String tp = transport == 't' ? "TCP" : "UDP";
            switch (action) {
                case CLIENT_REQUEST -> {
                    SIPRequest q = (SIPRequest) message;
                    popOurRoute(q);
                    pushVia(q, tp, P_CLIENT, source.token());
                    rewriteContacts(q, source);
                    recordRoute(q, transport);
                    decrementMaxForwards(q);
                    return q.encodeAsBytes(tp);
                }
                case SERVER_REQUEST -> {
                    SIPRequest q = (SIPRequest) message;
                    popOurRoute(q);
                    if (restoreHostPort != null) {
                        SipUri uri = (SipUri) q.getRequestURI();
                        restore(uri, restoreHostPort);
                    }
                    pushVia(q, tp, P_SENDER, source.token());
                    recordRoute(q, transport);
                    decrementMaxForwards(q);
                    return q.encodeAsBytes(tp);
                }
                case SERVER_RESPONSE -> {
                    message.removeFirst(ViaHeader.NAME);
                    if ("REGISTER".equals(method)) {
                        restoreContacts(message);
                    }
                    return message.encodeAsBytes(message.getTopmostVia().getTransport());
                }
                case CLIENT_RESPONSE -> {
                    message.removeFirst(ViaHeader.NAME);
                    rewriteContacts(message, source);
                    return message.encodeAsBytes(message.getTopmostVia().getTransport());
                }
                default -> throw new IllegalStateException(action.toString());
            }
        }
    }

    /**
     * Where a message goes.
     *
     * @param m            the parsed message
     * @param source       where it came from (for TCP: the remote end of the connection it came on)
     * @param fromUpstream it came from the upstream server (UDP: from its address; TCP: on a connection
     *                     the relay opened to it)
     * @param pairClient   TCP, on a connection the relay opened to the upstream: the client whose
     *                     connection it pairs; else null
     */
    Plan plan(SIPMessage m, Endpoint source, boolean fromUpstream, Endpoint pairClient) throws Unroutable {
        if (m instanceof SIPRequest q) {
            boolean ourRoute = topRouteIsUs(q);
            RouteList routes = q.getRouteHeaders();
            int routesLeft = (routes == null ? 0 : routes.size()) - (ourRoute ? 1 : 0);
            SipUri uri = q.getRequestURI() instanceof SipUri su ? su : null;
            String clientToken = uri == null ? null : uri.getParameter(P_CLIENT);
            if (clientToken != null && routesLeft == 0) {
                Endpoint client = decode(clientToken);
                String original = uri.getParameter(P_ORIGINAL);
                String restore = original != null ? original : Endpoint.hostPortToken(client.host(), client.port());
                return new Plan(Action.SERVER_REQUEST, m, source, client, client.hostPort(), restore);
            }
            if (fromUpstream) {
                if (pairClient == null) {
                    throw new Unroutable("a request from the server for no client of the relay: " + q.getRequestURI());
                }
                return new Plan(Action.SERVER_REQUEST, m, source, pairClient, pairClient.hostPort(), null);
            }
            return new Plan(Action.CLIENT_REQUEST, m, source, null, source.hostPort(), null);
        }
        ViaList vias = m.getViaHeaders();
        Via top = (Via) vias.getFirst();
        if (!isOurs(top)) {
            throw new Unroutable("a response whose top Via is not the relay's: " + top.getSentBy());
        }
        if (vias.size() < 2) {
            throw new Unroutable("a response with no Via below the relay's");
        }
        Via next = (Via) vias.get(1);
        String clientToken = top.getParameter(P_CLIENT);
        String senderToken = top.getParameter(P_SENDER);
        String token = clientToken != null ? clientToken : senderToken;
        if (token == null || !branch(next, m, token).equals(top.getBranch())) {
            throw new Unroutable("a response whose relay Via does not check: " + top.getBranch());
        }
        if (clientToken != null) {
            Endpoint client = decode(clientToken);
            return new Plan(Action.SERVER_RESPONSE, m, source, client, client.hostPort(), null);
        }
        return new Plan(Action.CLIENT_RESPONSE, m, source, decode(senderToken), source.hostPort(), null);
    }

    private static Endpoint decode(String token) throws Unroutable {
        try {
            return Endpoint.parseToken(token);
        } catch (IllegalArgumentException e) {
            throw new Unroutable(e.getMessage());
        }
    }

    // ------------------------------------------------------------------ answers

    /**
     * The relay's own response to {@code request} (a {@code Respond} verdict, or 483): Via, From, To
     * (with a tag derived from the request's branch when it had none), Call-ID and CSeq copied,
     * Retry-After when given, Content-Length 0.
     */
    byte[] answer(SIPRequest request, int status, String reason, Integer retryAfterSeconds)
            throws ParseException, InvalidArgumentException {
        SIPResponse r = request.createResponse(status, reason);
        if (r.getTo().getTag() == null) {
            r.getTo().setTag(hash("tag", keyMaterial(request.getTopmostVia(), request)).substring(0, 16));
        }
        if (retryAfterSeconds != null) {
            r.setHeader(headers.createRetryAfterHeader(Math.max(0, retryAfterSeconds)));
        }
        r.setHeader(headers.createContentLengthHeader(0));
        return r.encodeAsBytes(r.getTopmostVia().getTransport());
    }

    // ------------------------------------------------------------------ rewriting

    private boolean isOurs(Via via) {
        String b = via.getBranch();
        return b != null && b.startsWith(BRANCH_PREFIX) && host.equalsIgnoreCase(stripBrackets(via.getHost()))
                && effectivePort(via.getPort()) == port;
    }

    private boolean topRouteIsUs(SIPRequest q) {
        RouteList routes = q.getRouteHeaders();
        if (routes == null || routes.isEmpty()) {
            return false;
        }
        RouteHeader first = (RouteHeader) routes.getFirst();
        return first.getAddress().getURI() instanceof SipUri u && host.equalsIgnoreCase(stripBrackets(u.getHost()))
                && effectivePort(u.getPort()) == port;
    }

    private static String stripBrackets(String h) {
        return h != null && h.startsWith("[") && h.endsWith("]") ? h.substring(1, h.length() - 1) : h;
    }

    private static int effectivePort(int p) {
        return p > 0 ? p : 5060;
    }

    private void popOurRoute(SIPRequest q) {
        if (topRouteIsUs(q)) {
            q.removeFirst(RouteHeader.NAME);
        }
    }

    private void pushVia(SIPRequest q, String transport, String param, String token)
            throws ParseException, InvalidArgumentException, SipException {
        String branch = branch(q.getTopmostVia(), q, token);
        ViaHeader via = headers.createViaHeader(host, port, transport, branch);
        via.setParameter(param, token);
        q.addFirst(via);
    }

    private void recordRoute(SIPRequest q, char transport) throws ParseException, SipException {
        String m = q.getMethod();
        boolean dialogCreating = "INVITE".equals(m) || "SUBSCRIBE".equals(m) || "REFER".equals(m);
        if (!dialogCreating || q.getToTag() != null) {
            return;
        }
        javax.sip.address.SipURI uri = addresses.createSipURI(null, host);
        uri.setPort(port);
        if (transport == 't') {
            uri.setTransportParam("tcp");
        }
        uri.setLrParam();
        RecordRouteHeader rr = headers.createRecordRouteHeader(addresses.createAddress(uri));
        q.addFirst(rr);
    }

    private static void decrementMaxForwards(SIPRequest q) throws InvalidArgumentException {
        if (q.getMaxForwards() != null && q.getMaxForwards().getMaxForwards() > 0) {
            q.getMaxForwards().setMaxForwards(q.getMaxForwards().getMaxForwards() - 1);
        }
    }

    /** Every Contact (not '*') of a client's message points at the relay, the client kept in parameters. */
    private void rewriteContacts(SIPMessage m, Endpoint client) throws ParseException {
        ContactList contacts = m.getContactHeaders();
        if (contacts == null) {
            return;
        }
        for (Contact c : contacts) {
            if (c.isWildCard() || !(c.getAddress() instanceof AddressImpl a) || !(a.getURI() instanceof SipUri u)
                    || u.getParameter(P_CLIENT) != null) {
                continue;
            }
            String original = Endpoint.hostPortToken(u.getHost(), u.getPort());
            u.setHost(host);
            u.setPort(port);
            u.setParameter(P_CLIENT, client.token());
            if (!original.equals(Endpoint.hostPortToken(client.host(), client.port()))) {
                u.setParameter(P_ORIGINAL, original);
            }
        }
    }

    private static void restoreContacts(SIPMessage m) throws ParseException {
        ContactList contacts = m.getContactHeaders();
        if (contacts == null) {
            return;
        }
        for (Contact c : contacts) {
            if (c.isWildCard() || !(c.getAddress() instanceof AddressImpl a) || !(a.getURI() instanceof SipUri u)) {
                continue;
            }
            String clientToken = u.getParameter(P_CLIENT);
            if (clientToken == null) {
                continue;
            }
            String original = u.getParameter(P_ORIGINAL);
            try {
                Endpoint client = Endpoint.parseToken(clientToken);
                restore(u, original != null ? original : Endpoint.hostPortToken(client.host(), client.port()));
            } catch (IllegalArgumentException notOurs) {
                // left as it is
            }
        }
    }

    /** Host and port back from a host-port token; the relay's parameters removed. */
    private static void restore(SipUri u, String hostPortToken) throws ParseException {
        String[] hp = Endpoint.parseHostPortToken(hostPortToken);
        u.setHost(hp[0]);
        int p = Integer.parseInt(hp[1]);
        if (p > 0) {
            u.setPort(p);
        } else {
            u.removePort();
        }
        u.removeParameter(P_CLIENT);
        u.removeParameter(P_ORIGINAL);
    }

    // ------------------------------------------------------------------ branches

    /** The relay's branch for a request whose top Via (before the relay's) is {@code below}. */
    private String branch(Via below, SIPMessage m, String token) {
        return BRANCH_PREFIX + hash(keyMaterial(below, m), token).substring(0, 24);
    }

    private static String keyMaterial(Via via, SIPMessage m) {
        if (via.getBranch() != null) {
            return via.getBranch();
        }
        // RFC 2543 peers: no branch; the sent-by and the transaction's Call-ID and CSeq number
        return via.getSentBy().encode() + "|" + m.getCallId().getCallId() + "|" + m.getCSeq().getSeqNumber();
    }

    private String hash(String a, String b) {
        try {
            MessageDigest d = MessageDigest.getInstance("SHA-256");
            d.update(secret);
            d.update(a.getBytes(StandardCharsets.UTF_8));
            d.update((byte) 0);
            d.update(b.getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(d.digest());
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
