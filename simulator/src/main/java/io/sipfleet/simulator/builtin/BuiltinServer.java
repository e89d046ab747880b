package io.sipfleet.simulator.builtin;

import gov.nist.javax.sip.SipProviderImpl;
import gov.nist.javax.sip.message.SIPRequest;
import gov.nist.javax.sip.message.SIPResponse;
import gov.nist.javax.sip.stack.MessageChannel;
import io.sipfleet.simulator.builtin.BuiltinServerGroup.Member;
import io.sipfleet.simulator.builtin.BuiltinServerGroup.Shared;
import io.sipfleet.simulator.builtin.LocationService.Binding;
import io.sipfleet.simulator.sip.CountingParserFactory;
import io.sipfleet.simulator.sip.SipStacks;
import java.io.IOException;
import java.lang.System.Logger.Level;
import java.net.DatagramSocket;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.text.ParseException;
import java.time.Instant;
import java.util.ListIterator;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Properties;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import javax.sip.ClientTransaction;
import javax.sip.DialogTerminatedEvent;
import javax.sip.IOExceptionEvent;
import javax.sip.ListeningPoint;
import javax.sip.RequestEvent;
import javax.sip.ResponseEvent;
import javax.sip.ServerTransaction;
import javax.sip.SipException;
import javax.sip.SipFactory;
import javax.sip.SipListener;
import javax.sip.SipProvider;
import javax.sip.SipStack;
import javax.sip.TimeoutEvent;
import javax.sip.TransactionAlreadyExistsException;
import javax.sip.TransactionTerminatedEvent;
import javax.sip.address.AddressFactory;
import javax.sip.address.Hop;
import javax.sip.address.SipURI;
import javax.sip.address.URI;
import javax.sip.header.AuthorizationHeader;
import javax.sip.header.CallIdHeader;
import javax.sip.header.ContactHeader;
import javax.sip.header.ExpiresHeader;
import javax.sip.header.FromHeader;
import javax.sip.header.HeaderFactory;
import javax.sip.header.MaxForwardsHeader;
import javax.sip.header.ProxyAuthorizationHeader;
import javax.sip.header.RouteHeader;
import javax.sip.header.ToHeader;
import javax.sip.header.ViaHeader;
import javax.sip.header.WWWAuthenticateHeader;
import javax.sip.message.MessageFactory;
import javax.sip.message.Request;
import javax.sip.message.Response;

/**
 * One built-in SIP server: a digest registrar and a stateful record-routing proxy on its own
 * address and port (UDP and TCP) and its TLS port (by default the next one: 5061 beside 5060; see
 * {@link Member#tlsPort()}), with its own JAIN-SIP stack. Its certificate comes from the group's
 * {@link io.sipfleet.simulator.sip.TlsMaterial}; it asks phones for none. Every mode applies to TLS as
 * to UDP and TCP (DOWN closes the TLS port too). It shares accounts, locations and
 * nonces with the other servers of its {@link BuiltinServerGroup}. Its {@link Mode} can be switched
 * at any time from any thread. Created by the group.
 *
 * <p>Routing: REGISTER is handled here; OPTIONS outside a dialog is answered 200; an INVITE (after a
 * 407 challenge, when configured) and other requests outside a dialog go to the registered contact
 * of the Request-URI user (404 when there is none) with this server in a Record-Route; requests in
 * a dialog (and ACKs for 2xx, statelessly) follow loose routing: Route entries naming any server of
 * the group are removed, then the request goes to the next Route or the Request-URI.
 */
public final class BuiltinServer {
    private static final System.Logger LOG = System.getLogger(BuiltinServer.class.getName());
    private static final AtomicLong STACKS = new AtomicLong();
    private static final String[] ALLOW = {Request.INVITE, Request.ACK, Request.CANCEL, Request.BYE, Request.OPTIONS,
        Request.REGISTER, Request.INFO, Request.UPDATE, Request.PRACK, Request.MESSAGE, Request.SUBSCRIBE,
        Request.NOTIFY, Request.REFER};
    private static final int MAX_METHOD_KEYS = 64;
    private static final String TCP_PROCESSOR_FACTORY = "gov.nist.javax.sip.stack.OIOMessageProcessorFactory";

    private enum Auth { OK, MISSING, WRONG, STALE }

    /** A request forwarded statefully: the upstream server transaction and the downstream client transaction. */
    private static final class Forward {
        final ServerTransaction upstream;
        final boolean invite;
        final String key;
        volatile ClientTransaction downstream;
        volatile boolean provisional;
        volatile boolean cancelRequested;
        final AtomicBoolean finalSent = new AtomicBoolean();
        final AtomicBoolean cancelSent = new AtomicBoolean();

        Forward(ServerTransaction upstream, boolean invite, String key) {
            this.upstream = upstream;
            this.invite = invite;
            this.key = key;
        }
    }

    /** Counters for tests and metrics. */
    public record Stats(Map<String, Long> requestsByMethod, Map<Integer, Long> responsesByStatus, long malformed,
            long dropped, long handlerErrors) {
        public long requests(String method) {
            return requestsByMethod.getOrDefault(method, 0L);
        }

        public long responses(int status) {
            return responsesByStatus.getOrDefault(status, 0L);
        }
    }

    private final Member member;
    private final Shared shared;
    private final String stackName;
    private final SipStack stack;
    private final SipProvider provider;
    private final AddressFactory addresses;
    private final HeaderFactory headers;
    private final MessageFactory messages;
    private final SipListener listener = new Listener();

    private final Object lock = new Object();
    private volatile Mode mode = Mode.UP;
    private volatile boolean closed;
    private ListeningPoint udp;
    private ListeningPoint tcp;
    private ListeningPoint tls;

    private final Map<String, LongAdder> requests = new ConcurrentHashMap<>();
    private final Map<Integer, LongAdder> responses = new ConcurrentHashMap<>();
    private final LongAdder malformed = new LongAdder();
    private final LongAdder dropped = new LongAdder();
    private final LongAdder handlerErrors = new LongAdder();
    /** INVITEs forwarded and not yet finally answered, by upstream branch and Call-ID (for CANCEL). */
    private final Map<String, Forward> invites = new ConcurrentHashMap<>();

    BuiltinServer(Member member, Shared shared) {
        this.member = member;
        this.shared = shared;
        this.stackName = "sipfleet-builtin-" + member.name() + "-" + STACKS.incrementAndGet();
        Hooks.register(stackName, this);
        CountingParserFactory.register(stackName, (transport, address) -> countMalformed());
        SipStack st = null;
        try {
            Properties extra = new Properties();
            extra.setProperty("gov.nist.javax.sip.SIP_MESSAGE_VALVE", AvailabilityValve.class.getName());
            extra.setProperty(CountingParserFactory.PROPERTY, CountingParserFactory.class.getName());
            // Blocking TCP: in jain-sip-ri 1.3.0-91 the NIO handler forgets each outgoing connection right
            // after connecting (RestComm/jain-sip#188, usnistgov/jsip#77), so a request forwarded on a new
            // connection to a phone's contact is often lost ("Dead socketChannel"). Incoming connections are
            // fine either way; a phone stack shares one connection per server, so a thread each is cheap.
            extra.setProperty("gov.nist.javax.sip.MESSAGE_PROCESSOR_FACTORY", TCP_PROCESSOR_FACTORY);
            st = SipStacks.create(stackName, shared.config().threads(), shared.config().connectTimeoutMs(),
                    member.tls() ? shared.config().tlsMaterial() : null, extra);
            SipFactory f = SipFactory.getInstance();
            this.addresses = f.createAddressFactory();
            this.headers = f.createHeaderFactory();
            this.messages = f.createMessageFactory();
            this.stack = st;
            ListeningPoint u = st.createListeningPoint(member.host(), member.port(), ListeningPoint.UDP);
            ListeningPoint t;
            ListeningPoint s = null;
            try {
                t = st.createListeningPoint(member.host(), member.port(), ListeningPoint.TCP);
                if (member.tls()) {
                    try {
                        s = st.createListeningPoint(member.host(), member.tlsPort(), ListeningPoint.TLS);
                    } catch (Exception e) {
                        st.deleteListeningPoint(t);
                        throw e;
                    }
                }
            } catch (Exception e) {
                st.deleteListeningPoint(u);
                throw e;
            }
            this.provider = st.createSipProvider(u);
            provider.addListeningPoint(t);
            if (s != null) {
                provider.addListeningPoint(s);
            }
            this.udp = u;
            this.tcp = t;
            this.tls = s;
            provider.addSipListener(listener);
            st.start();
        } catch (Exception e) {
            if (st != null) {
                try {
                    st.stop();
                } catch (RuntimeException ignored) {
                    // best effort
                }
            }
            Hooks.unregister(stackName);
            CountingParserFactory.unregister(stackName);
            throw new IllegalStateException("built-in server " + member.name() + " cannot start on "
                    + member.address() + " (udp+tcp" + (member.tls() ? ", tls on " + member.tlsPort() : "") + "): "
                    + e.getMessage(), e);
        }
        LOG.log(Level.INFO, "built-in SIP server {0} listening on {1} udp+tcp{2}", member.name(), member.address(),
                member.tls() ? ", " + member.tlsAddress() + " tls" : "");
    }

    // ---- public API ----------------------------------------------------------------------------

    public String name() {
        return member.name();
    }

    public String host() {
        return member.host();
    }

    public int port() {
        return member.port();
    }

    /** host:port */
    public String address() {
        return member.address();
    }

    /** The SIP over TLS port (by default {@code port() + 1}), 0 when the server has no TLS. */
    public int tlsPort() {
        return member.tlsPort();
    }

    /** host:tlsPort, or null without TLS. */
    public String tlsAddress() {
        return member.tlsAddress();
    }

    public Mode mode() {
        return mode;
    }

    /**
     * Switches the availability mode. DOWN closes the UDP, TCP and TLS sockets (and the connections
     * accepted on them); leaving DOWN binds them again on the same address and ports.
     *
     * @throws IllegalStateException when the sockets cannot be bound again (the server stays DOWN),
     *                               or the server is closed
     */
    public void setMode(Mode newMode) {
        Objects.requireNonNull(newMode, "mode");
        synchronized (lock) {
            if (closed) {
                throw new IllegalStateException("built-in server " + name() + " is closed");
            }
            Mode old = mode;
            if (old == newMode) {
                return;
            }
            if (newMode == Mode.DOWN) {
                mode = Mode.DOWN;
                closeSockets();
            } else {
                if (old == Mode.DOWN) {
                    reopenSockets();
                }
                mode = newMode;
            }
            LOG.log(Level.INFO, "built-in SIP server {0}: {1} -> {2}", name(), old, newMode);
        }
    }

    /** Parses the API string ("up", "503", "500", "silent", "down") and switches to it. */
    public void setMode(String apiMode) {
        setMode(Mode.parse(apiMode));
    }

    /** Requests received (every one, retransmissions included, whatever the mode), by method. */
    public long requestsReceived(String method) {
        LongAdder a = requests.get(method);
        return a == null ? 0 : a.sum();
    }

    /** Responses this server sent (its own and relayed ones), by status. */
    public long responsesSent(int status) {
        LongAdder a = responses.get(status);
        return a == null ? 0 : a.sum();
    }

    /** Messages that did not parse (or lacked a mandatory header) and were dropped. */
    public long malformed() {
        return malformed.sum();
    }

    /** Messages dropped because the server was silent. */
    public long dropped() {
        return dropped.sum();
    }

    public Stats stats() {
        Map<String, Long> req = new TreeMap<>();
        requests.forEach((k, v) -> req.put(k, v.sum()));
        Map<Integer, Long> resp = new TreeMap<>();
        responses.forEach((k, v) -> resp.put(k, v.sum()));
        return new Stats(Map.copyOf(req), Map.copyOf(resp), malformed.sum(), dropped.sum(), handlerErrors.sum());
    }

    public void resetCounters() {
        requests.clear();
        responses.clear();
        malformed.reset();
        dropped.reset();
        handlerErrors.reset();
    }

    @Override
    public String toString() {
        return "BuiltinServer[" + name() + " " + address() + (member.tls() ? " tls " + tlsPort() : "") + " " + mode
                + "]";
    }

    /** Stops the server's stack and closes its sockets (idempotent). */
    void close() {
        synchronized (lock) {
            if (closed) {
                return;
            }
            closed = true;
        }
        try {
            provider.removeSipListener(listener);
        } catch (RuntimeException e) {
            LOG.log(Level.DEBUG, "remove listener: " + e);
        }
        try {
            stack.stop();
        } catch (RuntimeException e) {
            LOG.log(Level.DEBUG, "stop stack: " + e);
        }
        Hooks.unregister(stackName);
        CountingParserFactory.unregister(stackName);
    }

    // ---- sockets (under lock) --------------------------------------------------------------------

    /** The points DOWN closed: the stack must never hand them back on UP. */
    private ListeningPoint udpClosed;
    private ListeningPoint tcpClosed;
    private ListeningPoint tlsClosed;

    private void closeSockets() {
        // detach from the provider first, then delete from the stack (it refuses to delete a point that
        // is still attached, and would hand the stopped point back on the next createListeningPoint).
        // removeListeningPoint refuses a TCP point while a connection counts as in use: then detach forcibly.
        for (ListeningPoint lp : new ListeningPoint[] {udp, tcp, tls}) {
            if (lp == null) {
                continue;
            }
            try {
                provider.removeListeningPoint(lp);
            } catch (Exception e) {
                try {
                    ((SipProviderImpl) provider).removeListeningPoints();
                } catch (RuntimeException e2) {
                    LOG.log(Level.DEBUG, "built-in server " + name() + ": detach listening points: " + e2);
                }
            }
        }
        for (ListeningPoint lp : new ListeningPoint[] {udp, tcp, tls}) {
            if (lp == null) {
                continue;
            }
            try {
                stack.deleteListeningPoint(lp); // stops the processor: closes the socket and its connections
            } catch (Exception e) {
                LOG.log(Level.WARNING, "built-in server " + name() + ": delete " + lp.getTransport() + ": " + e);
            }
        }
        udpClosed = udp;
        tcpClosed = tcp;
        tlsClosed = tls;
        udp = null;
        tcp = null;
        tls = null;
        awaitReleased();
    }

    /**
     * Waits until the kernel has really let go of the address and port. Closing a socket that another
     * thread is blocked on (accept, receive) only completes when that thread wakes up; until then a
     * TCP connect could still be accepted. Probing with a bind of our own tells when it is gone.
     */
    private void awaitReleased() {
        long deadline = System.nanoTime() + 2_000_000_000L;
        InetSocketAddress at = new InetSocketAddress(host(), port());
        InetSocketAddress atTls = member.tls() ? new InetSocketAddress(host(), tlsPort()) : null;
        while (System.nanoTime() < deadline) {
            boolean free;
            try (ServerSocket t = new ServerSocket(); DatagramSocket u = new DatagramSocket(null);
                 ServerSocket s = new ServerSocket()) {
                t.setReuseAddress(true); // TIME_WAIT leftovers of closed connections do not count
                t.bind(at);
                u.bind(at);
                if (atTls != null) {
                    s.setReuseAddress(true);
                    s.bind(atTls);
                }
                free = true;
            } catch (IOException e) {
                free = false;
            }
            if (free) {
                return;
            }
            try {
                Thread.sleep(2);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
        LOG.log(Level.WARNING, "built-in server " + name() + ": " + address()
                + (member.tls() ? " (tls " + tlsPort() + ")" : "") + " still bound 2 s after DOWN");
    }

    /**
     * Opens the sockets again after DOWN and checks with a bind of our own that UDP and TCP really are
     * bound: JAIN-SIP's listening-point life cycle is not safe against every race (a delete that
     * failed half-way leaves a stopped point the stack hands back), so a failed check closes and
     * tries again, five times at most.
     */
    private void reopenSockets() {
        RuntimeException last = null;
        for (int attempt = 1; attempt <= 5; attempt++) {
            try {
                openSockets();
                if (bound()) {
                    return;
                }
                last = new IllegalStateException("built-in server " + name() + ": " + address()
                        + " is not bound after re-opening");
            } catch (RuntimeException e) {
                last = e;
            }
            LOG.log(Level.WARNING, "built-in server " + name() + ": re-opening " + address() + " failed (attempt "
                    + attempt + "): " + last.getMessage());
            closeSockets();
            try {
                Thread.sleep(20L * attempt);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
        }
        throw last;
    }

    /** Whether this server holds its UDP, TCP (and TLS) ports (a bind of our own is refused). */
    private boolean bound() {
        InetSocketAddress at = new InetSocketAddress(host(), port());
        try (DatagramSocket u = new DatagramSocket(null)) {
            u.bind(at);
            return false;
        } catch (IOException e) {
            // refused: someone holds it
        }
        try (ServerSocket t = new ServerSocket()) {
            t.bind(at);
            return false;
        } catch (IOException e) {
            // refused: someone holds it
        }
        if (!member.tls()) {
            return true;
        }
        try (ServerSocket t = new ServerSocket()) {
            t.bind(new InetSocketAddress(host(), tlsPort()));
            return false;
        } catch (IOException e) {
            return true;
        }
    }

    private void openSockets() {
        ListeningPoint u = null;
        ListeningPoint t = null;
        ListeningPoint s = null;
        try {
            u = stack.createListeningPoint(host(), port(), ListeningPoint.UDP);
            t = stack.createListeningPoint(host(), port(), ListeningPoint.TCP);
            s = member.tls() ? stack.createListeningPoint(host(), tlsPort(), ListeningPoint.TLS) : null;
            if (u == udpClosed || t == tcpClosed || (s != null && s == tlsClosed)) {
                throw new IllegalStateException("the stack handed back a listening point closed by DOWN");
            }
            // setListeningPoint empties the provider's table first: whatever DOWN left attached (a
            // point whose processor refused to stop while a TCP connection was in use) cannot block UP
            ((SipProviderImpl) provider).setListeningPoint(u);
            provider.addListeningPoint(t);
            if (s != null) {
                provider.addListeningPoint(s);
            }
            udp = u;
            tcp = t;
            tls = s;
        } catch (Exception e) {
            for (ListeningPoint lp : new ListeningPoint[] {u, t, s}) {
                if (lp != null) {
                    try {
                        stack.deleteListeningPoint(lp);
                        provider.removeListeningPoint(lp);
                    } catch (Exception ignored) {
                        // best effort
                    }
                }
            }
            throw new IllegalStateException("built-in server " + name() + " cannot bind " + address()
                    + (member.tls() ? " (tls " + tlsPort() + ")" : "") + " again: " + e.getMessage(), e);
        }
    }

    // ---- hooks called by the valve and the parser ----------------------------------------------

    /** Counts a request and decides what the mode does with it; false = the stack drops it. */
    boolean admit(SIPRequest request, MessageChannel channel) {
        String method = request.getMethod();
        count(requests, method == null ? "?" : method);
        Mode m = mode;
        switch (m) {
            case UP:
                return true;
            case ERROR_503:
            case ERROR_500:
                if (!Request.ACK.equals(method)) {
                    try {
                        SIPResponse r = request.createResponse(m.errorStatus());
                        if (r.getTo() != null && r.getTo().getTag() == null) {
                            r.getTo().setTag(tag());
                        }
                        sendCounted(m.errorStatus(), () -> channel.sendMessage(r));
                    } catch (Exception e) {
                        LOG.log(Level.DEBUG, "built-in server " + name() + ": error response: " + e);
                    }
                }
                return false;
            default:
                dropped.increment();
                return false;
        }
    }

    /** Responses pass unless the server is silent (or down). */
    boolean admitResponse(Response response) {
        Mode m = mode;
        if (m == Mode.SILENT || m == Mode.DOWN) {
            dropped.increment();
            return false;
        }
        return true;
    }

    void countMalformed() {
        malformed.increment();
    }

    private void count(Map<String, LongAdder> map, String method) {
        LongAdder a = map.get(method);
        if (a == null) {
            String key = map.size() >= MAX_METHOD_KEYS ? "OTHER" : method;
            a = map.computeIfAbsent(key, k -> new LongAdder());
        }
        a.increment();
    }

    /** A send that throws. */
    private interface Send {
        void run() throws Exception;
    }

    /**
     * Counts the response before it leaves (a client may read the counter the moment the answer
     * arrives) and takes the count back if the send fails.
     */
    private void sendCounted(int status, Send send) throws Exception {
        countResponse(status);
        try {
            send.run();
        } catch (Exception e) {
            uncountResponse(status);
            throw e;
        }
    }

    private void countResponse(int status) {
        responses.computeIfAbsent(status, k -> new LongAdder()).increment();
    }

    private void uncountResponse(int status) {
        LongAdder a = responses.get(status);
        if (a != null) {
            a.decrement();
        }
    }

    // ---- requests ----------------------------------------------------------------------------

    private final class Listener implements SipListener {
        @Override
        public void processRequest(RequestEvent e) {
            try {
                handleRequest(e);
            } catch (ParseException | ClassCastException | IllegalArgumentException | NullPointerException ex) {
                malformed.increment();
                LOG.log(Level.DEBUG, "built-in server " + name() + ": bad request dropped: " + ex);
            } catch (Exception ex) {
                handlerErrors.increment();
                LOG.log(Level.WARNING, "built-in server " + name() + ": request failed", ex);
            }
        }

        @Override
        public void processResponse(ResponseEvent e) {
            try {
                handleResponse(e);
            } catch (Exception ex) {
                handlerErrors.increment();
                LOG.log(Level.DEBUG, "built-in server " + name() + ": response relay failed: " + ex);
            }
        }

        @Override
        public void processTimeout(TimeoutEvent e) {
            if (e.isServerTransaction() || !(e.getClientTransaction().getApplicationData() instanceof Forward f)) {
                return;
            }
            if (f.finalSent.compareAndSet(false, true)) {
                if (f.invite) {
                    invites.remove(f.key, f);
                }
                reply(f.upstream, f.upstream.getRequest(), Response.REQUEST_TIMEOUT);
            }
        }

        @Override
        public void processIOException(IOExceptionEvent e) {
            LOG.log(Level.DEBUG, "built-in server " + name() + ": I/O error towards " + e.getHost() + ":"
                    + e.getPort() + "/" + e.getTransport());
        }

        @Override
        public void processTransactionTerminated(TransactionTerminatedEvent e) {
            if (e.isServerTransaction() && e.getServerTransaction().getApplicationData() instanceof Forward f
                    && f.invite) {
                invites.remove(f.key, f);
            }
        }

        @Override
        public void processDialogTerminated(DialogTerminatedEvent e) {
        }
    }

    private void handleRequest(RequestEvent e) throws Exception {
        Request req = e.getRequest();
        Mode m = mode;
        if (m == Mode.SILENT || m == Mode.DOWN) {
            return; // switched after the valve let it in
        }
        String method = req.getMethod();
        if (Request.ACK.equals(method)) {
            forwardAck(req);
            return;
        }
        ServerTransaction st = serverTransaction(e);
        if (st == null) {
            return; // a retransmission the stack is already handling
        }
        if (m.errorStatus() != 0) {
            reply(st, req, m.errorStatus());
            return;
        }
        if (Request.CANCEL.equals(method)) {
            cancel(st, req);
        } else if (toTag(req) != null) {
            inDialog(st, req);
        } else if (Request.REGISTER.equals(method)) {
            register(st, req);
        } else if (Request.OPTIONS.equals(method)) {
            if (hasForeignRoute(req)) {
                forward(st, req, null, false);
            } else {
                Response r = response(Response.OK, req);
                allow(r);
                send(st, r);
            }
        } else if (Request.INVITE.equals(method)) {
            invite(st, req);
        } else {
            outOfDialog(st, req);
        }
    }

    private ServerTransaction serverTransaction(RequestEvent e) {
        ServerTransaction st = e.getServerTransaction();
        if (st != null) {
            return st;
        }
        try {
            return provider.getNewServerTransaction(e.getRequest());
        } catch (TransactionAlreadyExistsException x) {
            return null;
        } catch (Exception x) {
            LOG.log(Level.DEBUG, "built-in server " + name() + ": no server transaction: " + x);
            return null;
        }
    }

    // ---- registrar ----------------------------------------------------------------------------

    private void register(ServerTransaction st, Request req) throws Exception {
        ToHeader to = (ToHeader) req.getHeader(ToHeader.NAME);
        if (!(to.getAddress().getURI() instanceof SipURI aor) || aor.getUser() == null) {
            reply(st, req, Response.BAD_REQUEST);
            return;
        }
        String user = aor.getUser();
        String realm = shared.config().realm().realmFor(aor.getHost());
        Auth a = authenticate(req, AuthorizationHeader.NAME, realm);
        if (a != Auth.OK) {
            challenge(st, req, Response.UNAUTHORIZED, realm, a);
            return;
        }
        LocationService location = shared.location();
        ExpiresHeader expiresHeader = req.getExpires();
        ListIterator<?> contacts = req.getHeaders(ContactHeader.NAME);
        Instant now = location.clock().instant();
        if (!contacts.hasNext()) { // a query
            Response r = response(Response.OK, req);
            Optional<Binding> b = location.lookup(user);
            if (b.isPresent()) {
                ContactHeader c = headers.createContactHeader(addresses.createAddress(addresses.createURI(b.get().contact())));
                c.setExpires((int) b.get().remaining(now).toSeconds());
                r.addHeader(c);
            }
            send(st, r);
            return;
        }
        ContactHeader c = (ContactHeader) contacts.next();
        if (c.isWildCard()) {
            if (expiresHeader == null || expiresHeader.getExpires() != 0) {
                reply(st, req, Response.BAD_REQUEST);
                return;
            }
            location.unbind(user);
            send(st, response(Response.OK, req));
            return;
        }
        if (!(c.getAddress().getURI() instanceof SipURI contact)) {
            reply(st, req, Response.UNSUPPORTED_URI_SCHEME);
            return;
        }
        int requested = c.getExpires() >= 0 ? c.getExpires() : expiresHeader != null ? expiresHeader.getExpires() : 3600;
        int granted = Math.min(requested, shared.config().maxExpires());
        if (granted <= 0) {
            location.lookup(user).filter(b -> sameContact(b.contact(), contact)).ifPresent(location::unbind);
            Response r = response(Response.OK, req);
            r.addHeader(headers.createExpiresHeader(0));
            send(st, r);
            return;
        }
        ViaHeader via = (ViaHeader) req.getHeader(ViaHeader.NAME);
        String transport = contact.getTransportParam() != null ? contact.getTransportParam().toLowerCase(Locale.ROOT)
                : via.getTransport().toLowerCase(Locale.ROOT);
        location.bind(new Binding(user, contact.toString(), transport, now.plusSeconds(granted), name(), source(via)));
        Response r = response(Response.OK, req);
        ContactHeader out = headers.createContactHeader(addresses.createAddress((URI) contact.clone()));
        out.setExpires(granted);
        r.addHeader(out);
        r.addHeader(headers.createExpiresHeader(granted));
        send(st, r);
    }

    private boolean sameContact(String stored, SipURI uri) {
        try {
            if (!(addresses.createURI(stored) instanceof SipURI s)) {
                return false;
            }
            return Objects.equals(s.getUser(), uri.getUser()) && s.getHost().equalsIgnoreCase(uri.getHost())
                    && portOf(s) == portOf(uri) && transportOf(s).equals(transportOf(uri));
        } catch (ParseException e) {
            return false;
        }
    }

    private static int portOf(SipURI u) {
        return u.getPort() > 0 ? u.getPort() : u.isSecure() ? 5061 : 5060;
    }

    private static String transportOf(SipURI u) {
        return u.getTransportParam() == null ? "udp" : u.getTransportParam().toLowerCase(Locale.ROOT);
    }

    private static String source(ViaHeader via) {
        String host = via.getReceived() != null ? via.getReceived() : via.getHost();
        int port = via.getRPort() > 0 ? via.getRPort() : via.getPort() > 0 ? via.getPort() : 5060;
        return host + ":" + port;
    }

    // ---- digest ---------------------------------------------------------------------------------

    private Auth authenticate(Request req, String headerName, String realm) {
        ListIterator<?> it = req.getHeaders(headerName);
        while (it.hasNext()) {
            if (it.next() instanceof AuthorizationHeader h && "Digest".equalsIgnoreCase(h.getScheme())
                    && realm.equals(h.getRealm())) {
                return verify(h, req.getMethod(), realm);
            }
        }
        return Auth.MISSING;
    }

    private Auth verify(AuthorizationHeader h, String method, String realm) {
        String user = h.getUsername();
        Optional<String> password = shared.accounts().passwordFor(user);
        if (password.isEmpty() || h.getNonce() == null || h.getResponse() == null) {
            return Auth.WRONG;
        }
        String algorithm = h.getAlgorithm();
        if (algorithm != null && !algorithm.equalsIgnoreCase("MD5")) {
            return Auth.WRONG;
        }
        String uri = h.getParameter("uri");
        if (uri == null && h.getURI() != null) {
            uri = h.getURI().toString();
        }
        if (uri == null) {
            return Auth.WRONG;
        }
        String qop = h.getQop();
        String nc = null;
        String cnonce = null;
        if (qop != null && !qop.isEmpty()) {
            if (!qop.equalsIgnoreCase("auth")) {
                return Auth.WRONG;
            }
            cnonce = h.getCNonce();
            nc = nonceCount(h);
            if (cnonce == null || nc == null) {
                return Auth.WRONG;
            }
        }
        String expected = Digest.response(user, realm, password.get(), method, uri, h.getNonce(), qop, nc, cnonce);
        if (!Digest.sameHex(expected, h.getResponse())) {
            return Auth.WRONG;
        }
        return shared.nonces().isValid(h.getNonce()) ? Auth.OK : Auth.STALE;
    }

    /** The nc parameter as the client wrote it: 8 hex digits. */
    private static String nonceCount(AuthorizationHeader h) {
        String raw = h.getParameter("nc");
        if (raw == null || raw.isEmpty()) {
            return h.getNonceCount() > 0 ? String.format("%08x", h.getNonceCount()) : null;
        }
        return raw.length() >= 8 ? raw : "0".repeat(8 - raw.length()) + raw;
    }

    private void challenge(ServerTransaction st, Request req, int status, String realm, Auth outcome) throws Exception {
        Response r = response(status, req);
        WWWAuthenticateHeader w = status == Response.PROXY_AUTHENTICATION_REQUIRED
                ? headers.createProxyAuthenticateHeader("Digest")
                : headers.createWWWAuthenticateHeader("Digest");
        w.setRealm(realm);
        w.setNonce(shared.nonces().issue());
        w.setAlgorithm("MD5");
        if (outcome == Auth.STALE) {
            w.setStale(true);
        } else if (outcome == Auth.WRONG) {
            w.setStale(false);
        }
        r.addHeader(w);
        send(st, r);
    }

    // ---- proxy ----------------------------------------------------------------------------------

    private void invite(ServerTransaction st, Request req) throws Exception {
        if (shared.config().challengeInvites()) {
            FromHeader from = (FromHeader) req.getHeader(FromHeader.NAME);
            String domain = from.getAddress().getURI() instanceof SipURI f ? f.getHost()
                    : req.getRequestURI() instanceof SipURI r ? r.getHost() : host();
            String realm = shared.config().realm().realmFor(domain);
            Auth a = authenticate(req, ProxyAuthorizationHeader.NAME, realm);
            if (a != Auth.OK) {
                challenge(st, req, Response.PROXY_AUTHENTICATION_REQUIRED, realm, a);
                return;
            }
        }
        outOfDialog(st, req);
    }

    /** A request outside a dialog (not REGISTER, not OPTIONS): to the Request-URI user's contact. */
    private void outOfDialog(ServerTransaction st, Request req) throws Exception {
        String method = req.getMethod();
        boolean recordRoute = Request.INVITE.equals(method) || Request.SUBSCRIBE.equals(method)
                || Request.REFER.equals(method);
        if (hasForeignRoute(req)) {
            forward(st, req, null, recordRoute);
            return;
        }
        String user = req.getRequestURI() instanceof SipURI u ? u.getUser() : null;
        if (user == null) {
            if (Request.INVITE.equals(method)) {
                reply(st, req, Response.NOT_FOUND);
            } else {
                Response r = response(Response.METHOD_NOT_ALLOWED, req);
                allow(r);
                send(st, r);
            }
            return;
        }
        Optional<Binding> b = shared.location().lookup(user);
        if (b.isEmpty()) {
            reply(st, req, Response.NOT_FOUND);
            return;
        }
        SipURI target = (SipURI) addresses.createURI(b.get().contact());
        if (!"udp".equals(b.get().transport()) && target.getTransportParam() == null) {
            target.setTransportParam(b.get().transport());
        }
        forward(st, req, target, recordRoute);
    }

    /** A request in a dialog: loose routing (Route, else Request-URI), whichever server of the group it came to. */
    private void inDialog(ServerTransaction st, Request req) throws Exception {
        if (!hasForeignRoute(req) && isMember(req.getRequestURI())) {
            if (Request.OPTIONS.equals(req.getMethod())) {
                Response r = response(Response.OK, req);
                allow(r);
                send(st, r);
            } else {
                reply(st, req, Response.CALL_OR_TRANSACTION_DOES_NOT_EXIST);
            }
            return;
        }
        forward(st, req, null, false);
    }

    /**
     * Stateful forwarding: a copy of the request to {@code target} (or, when null, to the next Route or
     * the Request-URI), our Route entries removed, Max-Forwards decremented, optionally this server in
     * a Record-Route, our Via on top; responses come back through {@link #handleResponse}.
     */
    private void forward(ServerTransaction st, Request req, URI target, boolean recordRoute) throws Exception {
        boolean invite = Request.INVITE.equals(req.getMethod());
        Request fwd = (Request) req.clone();
        if (target != null) {
            fwd.setRequestURI(target);
            fwd.removeHeader(ProxyAuthorizationHeader.NAME);
        }
        popOwnRoutes(fwd);
        MaxForwardsHeader mf = (MaxForwardsHeader) fwd.getHeader(MaxForwardsHeader.NAME);
        if (mf == null) {
            fwd.setHeader(headers.createMaxForwardsHeader(69));
        } else if (mf.getMaxForwards() <= 0) {
            reply(st, req, Response.TOO_MANY_HOPS);
            return;
        } else {
            mf.decrementMaxForwards();
        }
        if (invite) {
            send(st, response(Response.TRYING, req));
        }
        Hop hop;
        try {
            hop = stack.getRouter().getNextHop(fwd);
        } catch (SipException e) {
            hop = null;
        }
        if (hop == null) {
            reply(st, req, Response.NOT_FOUND);
            return;
        }
        if (recordRoute) {
            String in = ((ViaHeader) req.getHeader(ViaHeader.NAME)).getTransport().toLowerCase(Locale.ROOT);
            SipURI rr = addresses.createSipURI(null, host());
            rr.setPort(localPort(in));
            rr.setLrParam();
            if (!"udp".equals(in)) {
                rr.setTransportParam(in);
            }
            fwd.addFirst(headers.createRecordRouteHeader(addresses.createAddress(rr)));
        }
        String out = hop.getTransport().toLowerCase(Locale.ROOT);
        fwd.addFirst(headers.createViaHeader(host(), localPort(out), out, null));
        Forward f = new Forward(st, invite, key(req));
        ClientTransaction ct;
        try {
            ct = provider.getNewClientTransaction(fwd);
        } catch (SipException e) {
            LOG.log(Level.DEBUG, "built-in server " + name() + ": cannot forward to " + hop + ": " + e);
            reply(st, req, Response.TEMPORARILY_UNAVAILABLE);
            return;
        }
        f.downstream = ct;
        ct.setApplicationData(f);
        st.setApplicationData(f);
        ct.setRetransmitTimer(shared.config().t1Ms());
        if (invite) {
            invites.put(f.key, f);
        }
        try {
            ct.sendRequest();
        } catch (SipException e) {
            LOG.log(Level.DEBUG, "built-in server " + name() + ": send to " + hop + " failed: " + e);
            if (invite) {
                invites.remove(f.key, f);
            }
            if (f.finalSent.compareAndSet(false, true)) {
                reply(st, req, Response.TEMPORARILY_UNAVAILABLE);
            }
        }
    }

    /** ACK for a 2xx: stateless, by Route or Request-URI. An ACK ending at this server is absorbed. */
    private void forwardAck(Request ack) throws Exception {
        Request fwd = (Request) ack.clone();
        popOwnRoutes(fwd);
        if (fwd.getHeader(RouteHeader.NAME) == null && isMember(fwd.getRequestURI())) {
            return;
        }
        MaxForwardsHeader mf = (MaxForwardsHeader) fwd.getHeader(MaxForwardsHeader.NAME);
        if (mf != null) {
            if (mf.getMaxForwards() <= 0) {
                return;
            }
            mf.decrementMaxForwards();
        }
        Hop hop = stack.getRouter().getNextHop(fwd);
        if (hop == null) {
            return;
        }
        String out = hop.getTransport().toLowerCase(Locale.ROOT);
        fwd.addFirst(headers.createViaHeader(host(), localPort(out), out,
                "z9hG4bK-sfa" + Long.toHexString(ThreadLocalRandom.current().nextLong())));
        provider.sendRequest(fwd);
    }

    private void cancel(ServerTransaction st, Request cancel) throws Exception {
        Forward f = invites.get(key(cancel));
        if (f == null) {
            reply(st, cancel, Response.CALL_OR_TRANSACTION_DOES_NOT_EXIST);
            return;
        }
        reply(st, cancel, Response.OK);
        f.cancelRequested = true;
        if (f.provisional) {
            sendCancel(f);
        }
    }

    /** CANCEL downstream, once, and only after a provisional response (RFC 3261 9.1). */
    private void sendCancel(Forward f) {
        if (!f.cancelSent.compareAndSet(false, true)) {
            return;
        }
        try {
            ClientTransaction c = provider.getNewClientTransaction(f.downstream.createCancel());
            c.setRetransmitTimer(shared.config().t1Ms());
            c.sendRequest();
        } catch (Exception e) {
            LOG.log(Level.DEBUG, "built-in server " + name() + ": CANCEL downstream failed: " + e);
        }
    }

    // ---- responses -----------------------------------------------------------------------------

    private void handleResponse(ResponseEvent e) throws Exception {
        Response resp = e.getResponse();
        ClientTransaction ct = e.getClientTransaction();
        if (ct == null) {
            relayStateless(resp); // e.g. a 2xx retransmission after the transaction ended
            return;
        }
        if (!(ct.getApplicationData() instanceof Forward f)) {
            return; // the answer to our own CANCEL
        }
        int code = resp.getStatusCode();
        if (code < 200) {
            f.provisional = true;
            if (f.cancelRequested) {
                sendCancel(f);
            }
            if (code == Response.TRYING) {
                return; // hop by hop
            }
        } else if (f.finalSent.compareAndSet(false, true)) {
            if (f.invite) {
                invites.remove(f.key, f);
            }
        } else if (code / 100 != 2) {
            return;
        }
        Response out = (Response) resp.clone();
        out.removeFirst(ViaHeader.NAME);
        if (code == Response.SERVICE_UNAVAILABLE) { // RFC 3261 16.7 step 6
            out.setStatusCode(Response.SERVER_INTERNAL_ERROR);
            out.setReasonPhrase("Server Internal Error");
        }
        try {
            sendCounted(out.getStatusCode(), () -> f.upstream.sendResponse(out));
        } catch (Exception ex) {
            if (code / 100 == 2) {
                sendCounted(out.getStatusCode(), () -> provider.sendResponse(out));
            } else {
                LOG.log(Level.DEBUG, "built-in server " + name() + ": relay " + code + " failed: " + ex);
            }
        }
    }

    private void relayStateless(Response resp) throws Exception {
        ListIterator<?> vias = resp.getHeaders(ViaHeader.NAME);
        if (!vias.hasNext() || !(vias.next() instanceof ViaHeader top) || !vias.hasNext()) {
            return;
        }
        int topPort = top.getPort() > 0 ? top.getPort() : 5060;
        if (!top.getHost().equalsIgnoreCase(host()) || topPort != localPort(top.getTransport())) {
            return;
        }
        Response out = (Response) resp.clone();
        out.removeFirst(ViaHeader.NAME);
        sendCounted(out.getStatusCode(), () -> provider.sendResponse(out));
    }

    // ---- helpers -------------------------------------------------------------------------------

    /** This server's port for a transport: the TLS port for "tls", else the UDP/TCP port. */
    private int localPort(String transport) {
        return "tls".equalsIgnoreCase(transport) && member.tls() ? tlsPort() : port();
    }

    private boolean isMember(URI uri) {
        return uri instanceof SipURI u && shared.isMember(u.getHost(), u.getPort());
    }

    private boolean isMemberRoute(Object header) {
        return header instanceof RouteHeader h && isMember(h.getAddress().getURI());
    }

    /** Whether a Route entry names something other than a server of the group. */
    private boolean hasForeignRoute(Request req) {
        ListIterator<?> it = req.getHeaders(RouteHeader.NAME);
        while (it.hasNext()) {
            if (!isMemberRoute(it.next())) {
                return true;
            }
        }
        return false;
    }

    /** Removes the leading Route entries that name a server of the group. */
    private void popOwnRoutes(Request req) {
        while (isMemberRoute(req.getHeader(RouteHeader.NAME))) {
            req.removeFirst(RouteHeader.NAME);
        }
    }

    private static String toTag(Request req) {
        ToHeader to = (ToHeader) req.getHeader(ToHeader.NAME);
        return to == null ? null : to.getTag();
    }

    private static String key(Request req) {
        ViaHeader v = (ViaHeader) req.getHeader(ViaHeader.NAME);
        CallIdHeader c = (CallIdHeader) req.getHeader(CallIdHeader.NAME);
        return v.getBranch() + "|" + c.getCallId();
    }

    private static String tag() {
        return Long.toHexString(ThreadLocalRandom.current().nextLong() & Long.MAX_VALUE);
    }

    private Response response(int status, Request req) throws ParseException {
        Response r = messages.createResponse(status, req);
        if (status > Response.TRYING) {
            ToHeader to = (ToHeader) r.getHeader(ToHeader.NAME);
            if (to != null && to.getTag() == null) {
                to.setTag(tag());
            }
        }
        return r;
    }

    private void allow(Response r) throws ParseException {
        for (String m : ALLOW) {
            r.addHeader(headers.createAllowHeader(m));
        }
    }

    private void reply(ServerTransaction st, Request req, int status) {
        try {
            send(st, response(status, req));
        } catch (ParseException e) {
            LOG.log(Level.DEBUG, "built-in server " + name() + ": response " + status + ": " + e);
        }
    }

    private void send(ServerTransaction st, Response r) {
        try {
            sendCounted(r.getStatusCode(), () -> st.sendResponse(r));
        } catch (Exception e) {
            LOG.log(Level.DEBUG, "built-in server " + name() + ": send " + r.getStatusCode() + " failed: " + e);
        }
    }
}
