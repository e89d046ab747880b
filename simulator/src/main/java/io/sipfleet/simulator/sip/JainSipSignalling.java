package io.sipfleet.simulator.sip;

import gov.nist.javax.sip.ClientTransactionExt;
import gov.nist.javax.sip.SipStackExt;
import gov.nist.javax.sip.clientauthutils.AuthenticationHelper;
import gov.nist.javax.sip.clientauthutils.UserCredentials;
import io.sipfleet.device.config.ServerConfig;
import io.sipfleet.device.config.Transport;
import io.sipfleet.device.sip.Credentials;
import io.sipfleet.device.sip.DigestChallenge;
import io.sipfleet.device.sip.InboundRequest;
import io.sipfleet.device.sip.Method;
import io.sipfleet.device.sip.OutboundRequest;
import io.sipfleet.device.sip.SipEndpoint;
import io.sipfleet.device.sip.SipResponse;
import io.sipfleet.device.sip.SipSignalling;
import io.sipfleet.device.sip.TransportFailure;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.TooManyListenersException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Function;
import io.sipfleet.simulator.runtime.TaskLoop;
import java.util.concurrent.Executor;
import javax.sip.ClientTransaction;
import javax.sip.Dialog;
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
import javax.sip.Timeout;
import javax.sip.TimeoutEvent;
import javax.sip.TransactionTerminatedEvent;
import javax.sip.address.Address;
import javax.sip.address.AddressFactory;
import javax.sip.address.SipURI;
import javax.sip.header.AuthorizationHeader;
import javax.sip.header.CSeqHeader;
import javax.sip.header.CallIdHeader;
import javax.sip.header.ContactHeader;
import javax.sip.header.ExpiresHeader;
import javax.sip.header.FromHeader;
import javax.sip.header.HeaderFactory;
import javax.sip.header.ProxyAuthenticateHeader;
import javax.sip.header.RouteHeader;
import javax.sip.header.ToHeader;
import javax.sip.header.ViaHeader;
import javax.sip.header.WWWAuthenticateHeader;
import javax.sip.message.MessageFactory;
import javax.sip.message.Request;
import javax.sip.message.Response;

/**
 * The phones' port to real SIP: one JAIN-SIP stack for the whole fleet, UDP and TCP listening points
 * on one address and port and a TLS one on the next port (5070 and 5071 by default, as 5061 follows
 * SIP's 5060), phones told apart by Contact user. A server configured with transport TLS is reached
 * over TLS on its configured port, with plain {@code sip:} URIs and {@code ;transport=tls} (Request-URI,
 * Via and Contact, which name the TLS port), its certificate checked against the trust store of the
 * {@link TlsMaterial}; a failed handshake is {@link TransportFailure#TLS_HANDSHAKE_FAILED}, a refused
 * connect {@link TransportFailure#TCP_REFUSED}. It carries out the device model's requests as real
 * transactions (T1 of the request on every transaction, the authenticated resends
 * included), reports responses, timeouts and transport failures back on each phone's own executor,
 * detects ICMP port-unreachable for UDP servers and routes requests from servers to the right phone.
 * Nothing here blocks the caller: sends run on a small striped pool.
 */
public final class JainSipSignalling implements SipSignalling, SipListener, AutoCloseable {
    private static final System.Logger LOG = System.getLogger(JainSipSignalling.class.getName());
    /** A request that leaves later than this after the phone handed it over is reported as sent late. */
    private static final long LATE_SEND_NANOS = 3_000_000L;
    /**
     * The product's promise on the wire is that an instant the spec fixes is kept within 5 ms, or said to be late.
     * The phones' clock counts whole milliseconds, so a budget re-armed from a send's instant ({@code onSent}) may
     * be due up to 1 ms after the instant it stands for: a request is reported from 4 ms, so that no instant
     * more than 5 ms off goes unsaid (FleetTimingBenchmark found one in 10,000 at a 5 ms tolerance).
     */
    public static final long DEFAULT_WIRE_TOLERANCE_NANOS = 4_000_000L;

    /**
     * @param bindAddress      the address the stack binds (loopback by default)
     * @param port             its SIP port, UDP and TCP
     * @param threads          the stack's message threads
     * @param connectTimeoutMs bound on a TCP or TLS connect, and on a TLS handshake
     * @param userAgent        the User-Agent header
     * @param tlsPort          its SIP over TLS port (by convention {@code port + 1}: 5071 beside 5070, as
     *                         5061 beside 5060); 0 = no TLS
     * @param tls              key and trust stores; null = {@link TlsMaterial#generated()}, shared with the
     *                         built-in servers, so each trusts the other
     * @param wireToleranceNanos how much later than the phone's timing set for it a request may reach the wire
     *                         before the phone is told it left late ({@code onSentLate}, a {@code sent-late}
     *                         event marked {@code overloaded}); {@value #DEFAULT_WIRE_TOLERANCE_NANOS} ns by default
     */
    public record Settings(String bindAddress, int port, int threads, long connectTimeoutMs, String userAgent,
                           int tlsPort, TlsMaterial tls, long wireToleranceNanos) {
        public Settings {
            if (wireToleranceNanos < 0) {
                throw new IllegalArgumentException("wire tolerance " + wireToleranceNanos + " ns is negative");
            }
            if (tlsPort < 0 || tlsPort > 65535) {
                throw new IllegalArgumentException("TLS port " + tlsPort + " outside 1..65535 (0 = no TLS)");
            }
            if (tlsPort != 0 && tlsPort == port) {
                throw new IllegalArgumentException("TLS port " + tlsPort + " is the TCP port");
            }
        }

        /** TLS on {@code port + 1} with the generated material. */
        public Settings(String bindAddress, int port, int threads, long connectTimeoutMs, String userAgent) {
            this(bindAddress, port, threads, connectTimeoutMs, userAgent, defaultTlsPort(port), null,
                    DEFAULT_WIRE_TOLERANCE_NANOS);
        }

        public static Settings defaults() {
            return new Settings("127.0.0.1", 5070, 4, 7_500, "sipfleet");
        }

        /** {@code port + 1}, or 0 (no TLS) when there is none. */
        public static int defaultTlsPort(int port) {
            return port > 0 && port < 65535 ? port + 1 : 0;
        }

        /** TLS on {@code newTlsPort} with {@code material} (null: the generated one). */
        public Settings withTls(int newTlsPort, TlsMaterial material) {
            return new Settings(bindAddress, port, threads, connectTimeoutMs, userAgent, newTlsPort, material,
                    wireToleranceNanos);
        }

        /** No TLS listening point; requests to TLS servers fail with {@code send-failed}. */
        public Settings withoutTls() {
            return new Settings(bindAddress, port, threads, connectTimeoutMs, userAgent, 0, null, wireToleranceNanos);
        }

        /** Requests reaching the wire more than {@code tolerance} after their instant are reported as sent late. */
        public Settings withWireTolerance(java.time.Duration tolerance) {
            return new Settings(bindAddress, port, threads, connectTimeoutMs, userAgent, tlsPort, tls,
                    tolerance.toNanos());
        }

        public boolean tlsEnabled() {
            return tlsPort != 0;
        }
    }

    /**
     * Runs a result on a phone's shard, in the order of {@code receivedNanos}: when its cause came off the
     * wire (a response's datagram), or when it happened (a timeout, a failed send).
     */
    @FunctionalInterface
    public interface PhoneTasks {
        void run(String phoneId, long receivedNanos, Runnable task);

        /** Plain executors per phone: results run in the order they are handed over. */
        static PhoneTasks of(Function<String, Executor> executors) {
            return (phone, at, task) -> executors.apply(phone).execute(task);
        }
    }

    private final Settings settings;
    private final PhoneTasks phoneTasks;
    private final SipStack stack;
    private final SipProvider provider;
    private final AddressFactory addresses;
    private final HeaderFactory headers;
    private final MessageFactory messages;
    private final UdpUnreachableDetector icmp;
    /** The stack's network layer when TLS is on: it tells a refused TLS connect from a failed handshake. */
    private final TlsMaterial.NoDelayTlsNetworkLayer tlsLayer;
    /** UDP sends, striped by phone: loops, so that the overload watch sees how late sends leave. */
    private final TaskLoop[] senders;
    /** The stack's queue of received datagrams (null if the stack was made without it). */
    private final ReceptionQueue received;
    /** TCP/TLS sends, one queue per server: a connect into a black hole delays only that server's requests. */
    private final Map<String, ExecutorService> connectionSenders = new ConcurrentHashMap<>();
    private final Map<RequestKey, Pending> pending = new ConcurrentHashMap<>();
    /** The same requests by server (address:port): an ICMP error or a reset finds its own without a scan. */
    private final Map<String, Set<Pending>> pendingByServer = new ConcurrentHashMap<>();
    private final Map<String, Endpoint> endpoints = new ConcurrentHashMap<>();
    private final Map<String, Challenge> challenges = new ConcurrentHashMap<>();
    private final Map<String, Dialog> dialogs = new ConcurrentHashMap<>();
    private final Map<String, ClientTransaction> invites = new ConcurrentHashMap<>();
    private final Map<String, ServerTransaction> incomingInvites = new ConcurrentHashMap<>();
    /** The To tag of each incoming INVITE: every response of the dialog carries the same one. */
    private final Map<String, String> localTags = new ConcurrentHashMap<>();
    private final AtomicLong tags = new AtomicLong();
    private final MalformedMessages malformed = new MalformedMessages();
    /** SIP transactions carried out (client transactions sent, requests from servers answered): the load. */
    private final java.util.concurrent.atomic.LongAdder transactions = new java.util.concurrent.atomic.LongAdder();
    private final String stackName;
    private final PacketFaults faults;
    /** Per-phone SIP traces: off for a phone nobody looks at. */
    private final io.sipfleet.simulator.trace.SipTracer tracer;

    private record Endpoint(SipEndpoint endpoint, int line) {}

    /** Request ids are unique per phone only. */
    private record RequestKey(String phone, long id) {
        static RequestKey of(OutboundRequest r) {
            return new RequestKey(r.phoneId(), r.id());
        }
    }

    private record Challenge(Response response, ClientTransaction transaction) {}

    /** A request in flight: its transaction, and whether results still go to the phone. */
    private static final class Pending {
        final OutboundRequest request;
        /** When the phone handed it over (nanoTime). */
        final long handedOverNanos = System.nanoTime();
        /**
         * The instant the phone's timing set for it (nanoTime): when the phone's task that handed it over was due
         * (a budget timer's instant, a response's arrival), or the hand-over itself off a phone's loop.
         */
        final long dueNanos = dueOf(handedOverNanos);

        private static long dueOf(long handedOver) {
            long due = TaskLoop.currentDueNanos();
            return due == TaskLoop.NOT_ON_A_LOOP || due > handedOver ? handedOver : due;
        }
        volatile ClientTransaction transaction;
        volatile boolean abandoned;
        volatile boolean provisional;
        volatile boolean done;

        Pending(OutboundRequest request) {
            this.request = request;
        }
    }

    public JainSipSignalling(Settings settings, Function<String, Executor> phoneExecutor) throws Exception {
        this(settings, PhoneTasks.of(phoneExecutor));
    }

    public JainSipSignalling(Settings settings, PhoneTasks phoneTasks) throws Exception {
        this.settings = settings;
        this.phoneTasks = phoneTasks;
        SipFactory f = SipFactory.getInstance();
        f.setPathName("gov.nist");
        TlsMaterial tls = !settings.tlsEnabled() ? null
                : settings.tls() != null ? settings.tls() : TlsMaterial.generated();
        String stackName = "sipfleet-phones-" + settings.port();
        this.stackName = stackName;
        // what the stack drops as malformed never reaches the listener: its parser (and, for TCP/TLS, its
        // connections) count it, by transport and peer
        CountingParserFactory.register(stackName, malformed::count);
        // network faults on the phones' side of the wire: the network layer and the valve find it by name
        this.faults = PacketFaults.register(stackName, System::currentTimeMillis);
        faults.requestTarget(q -> {
            String user = userOf(q); // null for a tel: URI or a sip: URI without user
            Endpoint e = user == null ? null : endpoints.get(user);
            return e == null ? null : e.endpoint().phoneId();
        });
        faults.onUnreachable(this::unreachable);
        // per-phone SIP traces: what the stack sends (its message log) and receives (a valve), found by name
        this.tracer = io.sipfleet.simulator.trace.SipTracer.register(stackName,
                io.sipfleet.simulator.trace.SipTracer.Settings.defaults());
        TraceTap.register(stackName, tracer, faults::currentSender, q -> {
            String user = userOf(q);
            Endpoint e = user == null ? null : endpoints.get(user);
            return e == null ? null : e.endpoint().phoneId();
        }, this::transactionOwner);
        Properties extra = new Properties();
        extra.setProperty(CountingParserFactory.PROPERTY, CountingParserFactory.class.getName());
        extra.setProperty("gov.nist.javax.sip.SIP_MESSAGE_VALVE",
                StrayResponseValve.class.getName() + "," + FaultValve.class.getName() + ","
                        + TraceValve.class.getName());
        // received datagrams stamped with their instant; the stack's timers on a loop that knows its lag
        extra.setProperty(TimedMessageProcessorFactory.PROPERTY, TimedMessageProcessorFactory.class.getName());
        extra.setProperty(LoopSipTimer.PROPERTY, LoopSipTimer.class.getName());
        this.stack = SipStacks.create(stackName, settings.threads(), settings.connectTimeoutMs(), tls, extra);
        this.tlsLayer = ((gov.nist.javax.sip.SipStackImpl) stack).getNetworkLayer()
                instanceof TlsMaterial.NoDelayTlsNetworkLayer l ? l : null;
        this.addresses = f.createAddressFactory();
        this.headers = f.createHeaderFactory();
        this.messages = f.createMessageFactory();
        ListeningPoint udp = stack.createListeningPoint(settings.bindAddress(), settings.port(), ListeningPoint.UDP);
        ListeningPoint tcp = stack.createListeningPoint(settings.bindAddress(), settings.port(), ListeningPoint.TCP);
        this.received = TimedMessageProcessorFactory.receptionQueueOf(udp).orElse(null);
        this.provider = stack.createSipProvider(udp);
        provider.addListeningPoint(tcp);
        if (tls != null) {
            try {
                provider.addListeningPoint(stack.createListeningPoint(settings.bindAddress(), settings.tlsPort(),
                        ListeningPoint.TLS));
            } catch (Exception e) {
                stack.stop();
                throw new IllegalStateException("phones' SIP stack: cannot listen for TLS on " + settings.bindAddress()
                        + ":" + settings.tlsPort() + ": " + e.getMessage(), e);
            }
        }
        try {
            provider.addSipListener(this);
        } catch (TooManyListenersException e) {
            throw new IllegalStateException(e);
        }
        this.icmp = new UdpUnreachableDetector(settings.bindAddress(), this::unreachable, this::probeAnswered);
        if (!icmp.warmUp(1_000)) {
            LOG.log(System.Logger.Level.WARNING, "no ICMP port-unreachable came back from a closed port of "
                    + settings.bindAddress() + " within 1 s: UDP servers that are down will be detected by timeout only");
        }
        this.senders = new TaskLoop[Math.max(2, settings.threads())];
        for (int i = 0; i < senders.length; i++) {
            senders[i] = new TaskLoop("sipfleet-send-" + i);
        }
        stack.start();
    }

    /**
     * Malformed messages from servers and other peers, counted and dropped: every one
     * {@link #malformed()} counts, whatever its transport and peer.
     */
    public long malformedCount() {
        return malformed.total();
    }

    /**
     * Malformed messages from servers and other peers by transport and peer address: those the stack
     * drops as malformed ({@link CountingParserFactory}: they do not parse, lack a required header, have
     * a bad start line, ...; {@link StreamWatch}: TCP/TLS connections the stack gives up on a message),
     * requests the phones cannot take apart, and malformed answers to the ICMP probes.
     */
    public MalformedMessages malformed() {
        return malformed;
    }

    /**
     * A datagram came back to an ICMP probe's socket (the server answered the sender of every datagram):
     * not for the stack, which never sees it; counted when it is malformed, ignored otherwise.
     */
    private void probeAnswered(InetSocketAddress server, byte[] datagram) {
        if (CountingParserFactory.malformedDatagram(datagram)) {
            malformed.count("udp", CountingParserFactory.hostPort(server.getAddress(), server.getPort()));
        }
    }

    public Settings settings() {
        return settings;
    }

    // ---- what the overload watch reads ----------------------------------------------------------

    /** SIP transactions carried out since start (requests sent, authenticated resends included, and requests answered). */
    public long transactions() {
        return transactions.sum();
    }

    /** The stack's queue of received UDP datagrams: its watermark gates the shards, its age is a lag. */
    public java.util.Optional<ReceptionQueue> receptionQueue() {
        return java.util.Optional.ofNullable(received);
    }

    /** The loops UDP requests are sent from. */
    public List<TaskLoop> sendLoops() {
        return List.of(senders);
    }

    /** The loop the stack's own timers (retransmissions, Timer B/F/K) run on. */
    public java.util.Optional<TaskLoop> timerLoop() {
        return LoopSipTimer.loopOf(stackName);
    }

    /** The phones' SIP traces (which phones are traced, their messages). */
    public io.sipfleet.simulator.trace.SipTracer tracer() {
        return tracer;
    }

    /** The network faults applied to this stack's packets (set their policy; tell it the phones' fleets). */
    /**
     * The phone whose client transaction {@code r} answers, or null: for the trace, a response read off the socket
     * before the sending thread recorded its request (on loopback an answer can come within microseconds).
     */
    private String transactionOwner(gov.nist.javax.sip.message.SIPResponse r) {
        var tx = stack instanceof gov.nist.javax.sip.stack.SIPTransactionStack s ? s.findTransaction(r, false) : null;
        return tx != null && tx.getApplicationData() instanceof Pending p ? p.request.phoneId() : null;
    }

    public PacketFaults faults() {
        return faults;
    }

    // ---- SipSignalling ---------------------------------------------------------------------

    @Override
    public void send(OutboundRequest r) {
        endpoints.putIfAbsent(r.contactUser(), new Endpoint(r.endpoint(), r.line()));
        Pending p = new Pending(r);
        if (r.method() != Method.ACK) {
            track(p);
        }
        senderFor(r).execute(() -> doSend(p));
    }

    @Override
    public void forget(String phoneId, List<String> contactUsers) {
        for (String u : contactUsers) {
            endpoints.remove(u);
        }
        tracer.forget(phoneId);
    }

    /** Gets ready for a server a phone was configured with: its ICMP watch (UDP) is opened now, not at the first send. */
    @Override
    public void prepare(ServerConfig server) {
        if (!server.transport().reliable()) {
            try {
                icmp.prepare(serverAddress(server));
            } catch (RuntimeException e) {
                LOG.log(System.Logger.Level.DEBUG, "prepare " + server + ": " + e);
            }
        }
    }

    @Override
    public void abandon(OutboundRequest r) {
        Pending p = untrack(RequestKey.of(r));
        if (p == null) {
            return;
        }
        p.abandoned = true;
        senderFor(r).execute(() -> {
            ClientTransaction ct = p.transaction;
            // an INVITE that was answered provisionally stays, so that a CANCEL can follow it
            if (ct != null && !(r.method() == Method.INVITE && p.provisional)) {
                try {
                    ct.terminate();
                } catch (Exception e) {
                    LOG.log(System.Logger.Level.DEBUG, "terminate " + r + ": " + e);
                }
            }
        });
    }

    @Override
    public void respond(InboundRequest request, int status) {
        Executor ex = stripe(request.callId());
        ex.execute(() -> {
            try {
                ServerTransaction st = (ServerTransaction) request.handle();
                Request req = st.getRequest();
                Response resp = messages.createResponse(status, req);
                if (request.method() == Method.INVITE) {
                    ToHeader to = (ToHeader) resp.getHeader(ToHeader.NAME);
                    if (to.getTag() == null && status > 100) {
                        to.setTag(localTags.computeIfAbsent(request.callId(), k -> tag()));
                    }
                    if (status >= 200 && status < 300) {
                        resp.addHeader(contact(userOf(req), transportOf(st)));
                        resp.setContent(sdp(), headers.createContentTypeHeader("application", "sdp"));
                    }
                    if (status >= 200) {
                        incomingInvites.remove(request.callId());
                        localTags.remove(request.callId());
                    }
                }
                faults.asSender(endpointPhone(request), () -> {
                    st.sendResponse(resp);
                    return null;
                });
            } catch (Exception e) {
                LOG.log(System.Logger.Level.WARNING, "cannot answer " + request.method() + " " + status + ": " + e);
            }
        });
    }

    /**
     * A phone's dialog of a call. Keyed by phone and Call-ID: when two phones of this stack call each
     * other, the caller's and the callee's dialogs share the Call-ID.
     */
    private static String dialogKey(String phoneId, String callId) {
        return phoneId + "|" + callId;
    }

    private void putDialog(String phoneId, String callId, Dialog d) {
        String key = dialogKey(phoneId, callId);
        d.setApplicationData(key);
        dialogs.put(key, d);
    }

    /** The phone an incoming request was routed to (by its Request-URI user), or null. */
    private String endpointPhone(InboundRequest request) {
        try {
            Endpoint e = endpoints.get(userOf(((ServerTransaction) request.handle()).getRequest()));
            return e == null ? null : e.endpoint().phoneId();
        } catch (RuntimeException ex) {
            return null;
        }
    }

    // ---- sending ----------------------------------------------------------------------------

    private void doSend(Pending p) {
        long startedNs = System.nanoTime();
        OutboundRequest r = p.request;
        if (p.abandoned) {
            return;
        }
        if (r.server().transport() == Transport.TLS && !settings.tlsEnabled()) {
            LOG.log(System.Logger.Level.WARNING, "cannot send " + r + ": the phones' stack has no TLS");
            fail(p, TransportFailure.SEND_FAILED);
            return;
        }
        faults.takeReset();
        try {
            faults.asSender(r.phoneId(), () -> {
                switch (r.method()) {
                    case ACK -> {
                        try {
                            sendAck(r);
                        } catch (Exception e) {
                            LOG.log(System.Logger.Level.WARNING, "cannot ACK " + r + ": " + e, e);
                        }
                    }
                    case CANCEL -> sendCancel(p);
                    case BYE -> sendInDialog(p);
                    default -> sendNew(p);
                }
                return null;
            });
        } catch (SipException e) {
            if (faults.takeReset()) { // a fault reset the connection under this send
                fail(p, TransportFailure.TCP_RESET);
                return;
            }
            TransportFailure f = classify(e);
            if (r.server().transport() == Transport.TLS && f != TransportFailure.TLS_HANDSHAKE_FAILED) {
                f = tlsFailure(r.server(), startedNs, f);
            }
            if (f == TransportFailure.SEND_FAILED && String.valueOf(e.getMessage()).startsWith("Could not connect")) {
                // the stack says the same for a refused and a timed-out connect: a refusal comes at once
                long tookMs = (System.nanoTime() - startedNs) / 1_000_000;
                f = tookMs < settings.connectTimeoutMs() / 2 ? TransportFailure.TCP_REFUSED
                        : TransportFailure.TCP_CONNECT_TIMEOUT;
            }
            fail(p, f);
        } catch (Exception e) {
            if (faults.takeReset()) { // the stack trips over the connection a fault reset (e.g. an NPE inside)
                fail(p, TransportFailure.TCP_RESET);
                return;
            }
            LOG.log(System.Logger.Level.WARNING, "cannot send " + r + ": " + e);
            fail(p, TransportFailure.SEND_FAILED);
        }
    }

    private void sendNew(Pending p) throws Exception {
        OutboundRequest r = p.request;
        ClientTransaction ct;
        Credentials c = r.credentials();
        Challenge ch = c == null ? null : challenges.remove(r.callId());
        if (ch != null) {
            AuthenticationHelper helper = ((SipStackExt) stack).getAuthenticationHelper(
                    (tx, realm) -> credentials(c, r.domain()), headers);
            ct = helper.handleChallenge(ch.response(), ch.transaction(), provider, 5, true);
        } else {
            ct = provider.getNewClientTransaction(build(r));
        }
        if (r.method() == Method.INVITE) {
            Dialog d = ct.getDialog() != null ? ct.getDialog() : provider.getNewDialog(ct);
            putDialog(r.phoneId(), r.callId(), d);
            invites.put(r.callId(), ct);
        }
        start(p, ct);
    }

    private void start(Pending p, ClientTransaction ct) throws SipException {
        OutboundRequest r = p.request;
        ct.setRetransmitTimer((int) r.t1());
        if (r.method() != Method.INVITE && ct instanceof gov.nist.javax.sip.TransactionExt ext) {
            // Timer K = 0: a finished non-INVITE transaction goes at once instead of lingering T4 (5 s) with its
            // messages (17 KB a phone at 100,000 phones); a retransmitted final response then finds no
            // transaction and is dropped, as one after Timer K would be. Its request stays readable for the
            // answer to a digest challenge.
            ext.setTimerT4(0);
        }
        ct.setApplicationData(p);
        if (ct instanceof ClientTransactionExt ext) {
            ext.setNotifyOnRetransmit(true);
        }
        p.transaction = ct;
        transactions.increment();
        long startNanos = System.nanoTime();
        ct.sendRequest();
        // when it left the socket: a traced phone's message is parsed for its trace after that, inside sendRequest
        long sentNanos = WireInstant.since(startNanos, System.nanoTime());
        boolean datagram = !r.server().transport().reliable();
        // over TCP/TLS the send includes the connect and handshake, which are the server's time, not ours
        long lateNanos = (datagram ? sentNanos : startNanos) - p.dueNanos;
        boolean sentLate = lateNanos > settings.wireToleranceNanos();
        if (datagram && sentNanos - p.handedOverNanos > LATE_SEND_NANOS || sentLate) {
            // a datagram that left later than the phone decided (a cold first send, a backlog): the budget counts
            // from now (§5). Not over TCP/TLS: there the budget bounds the connect and handshake too (§5), and
            // the time they took is the server's, not ours. Past the tolerance (counting a decision that was
            // itself late) the phone says so: whatever the spec times from this instant is off by as much.
            long atMillis = System.currentTimeMillis();
            boolean rebudget = datagram && sentNanos - p.handedOverNanos > LATE_SEND_NANOS;
            long lateMillis = Math.max(1, Math.round(lateNanos / 1e6));
            phoneTasks.run(r.phoneId(), sentNanos, () -> {
                if (rebudget) {
                    r.listener().onSent(r, atMillis);
                }
                if (sentLate) {
                    r.listener().onSentLate(r, lateMillis);
                }
            });
        }
        if (!r.server().transport().reliable()) {
            icmp.probe(serverAddress(r.server()));
        }
    }

    private void sendCancel(Pending p) throws Exception {
        OutboundRequest r = p.request;
        ClientTransaction invite = invites.get(r.callId());
        if (invite == null) {
            deliver(p, SipResponse.of(481, "Call/Transaction Does Not Exist"));
            return;
        }
        start(p, provider.getNewClientTransaction(invite.createCancel()));
    }

    /** BYE through the server the model chose (the dialog's route, or the next server in bye failover). */
    private void sendInDialog(Pending p) throws Exception {
        OutboundRequest r = p.request;
        Dialog d = dialogs.get(dialogKey(r.phoneId(), r.callId()));
        if (d == null) {
            deliver(p, SipResponse.of(481, "Call/Transaction Does Not Exist"));
            return;
        }
        Request bye = d.createRequest(r.method().name());
        bye.removeHeader(RouteHeader.NAME);
        bye.addHeader(headers.createRouteHeader(addresses.createAddress(routeUri(r.server()))));
        ((CSeqHeader) bye.getHeader(CSeqHeader.NAME)).setSeqNumber(Math.max(r.cseq(),
                ((CSeqHeader) bye.getHeader(CSeqHeader.NAME)).getSeqNumber()));
        Challenge ch = r.credentials() == null ? null : challenges.remove(r.callId());
        ClientTransaction ct;
        if (ch != null) {
            AuthenticationHelper helper = ((SipStackExt) stack).getAuthenticationHelper(
                    (tx, realm) -> credentials(r.credentials(), r.domain()), headers);
            ct = helper.handleChallenge(ch.response(), ch.transaction(), provider, 5, true);
        } else {
            ct = provider.getNewClientTransaction(bye);
        }
        start(p, ct);
    }

    private void sendAck(OutboundRequest r) throws Exception {
        Dialog d = dialogs.get(dialogKey(r.phoneId(), r.callId()));
        if (d == null) {
            return;
        }
        Request ack = d.createAck(((CSeqHeader) invites.get(r.callId()).getRequest().getHeader(CSeqHeader.NAME))
                .getSeqNumber());
        d.sendAck(ack);
        invites.remove(r.callId());
    }

    private UserCredentials credentials(Credentials c, String domain) {
        return new UserCredentials() {
            @Override public String getUserName() { return c.authUser(); }
            @Override public String getPassword() { return c.password(); }
            @Override public String getSipDomain() { return domain; }
        };
    }

    private Request build(OutboundRequest r) throws Exception {
        ServerConfig s = r.server();
        String transport = s.transport().name().toLowerCase(Locale.ROOT);
        SipURI serverUri = addresses.createSipURI(null, s.address());
        serverUri.setPort(s.port());
        if (s.transport() != Transport.UDP) {
            serverUri.setTransportParam(transport);
        }
        SipURI aor = addresses.createSipURI(r.user(), r.domain());
        Address fromAddr = addresses.createAddress(aor);
        if (!r.displayName().isEmpty()) {
            fromAddr.setDisplayName(r.displayName());
        }
        FromHeader from = headers.createFromHeader(fromAddr, tag());
        javax.sip.address.URI requestUri;
        ToHeader to;
        switch (r.method()) {
            case REGISTER -> {
                requestUri = serverUri;
                to = headers.createToHeader(addresses.createAddress(aor), null);
            }
            case INVITE -> {
                SipURI target = addresses.createSipURI(r.target(), s.address());
                target.setPort(s.port());
                if (s.transport() != Transport.UDP) {
                    target.setTransportParam(transport);
                }
                requestUri = target;
                to = headers.createToHeader(addresses.createAddress(addresses.createSipURI(r.target(), r.domain())),
                        null);
            }
            default -> {
                requestUri = serverUri;
                to = headers.createToHeader(addresses.createAddress(serverUri), null);
            }
        }
        List<ViaHeader> via = new ArrayList<>(1);
        via.add(headers.createViaHeader(settings.bindAddress(), localPort(s.transport()), transport, null));
        Request req = messages.createRequest(requestUri, r.method().name(), headers.createCallIdHeader(r.callId()),
                headers.createCSeqHeader(r.cseq(), r.method().name()), from, to, via,
                headers.createMaxForwardsHeader(70));
        req.addHeader(headers.createUserAgentHeader(List.of(settings.userAgent())));
        if (r.method() == Method.REGISTER || r.method() == Method.INVITE) {
            req.addHeader(contact(r.contactUser(), s.transport()));
        }
        if (r.method() == Method.REGISTER) {
            req.addHeader(headers.createExpiresHeader(r.expires()));
        }
        if (r.method() == Method.INVITE) {
            req.setContent(sdp(), headers.createContentTypeHeader("application", "sdp"));
        }
        return req;
    }

    /** The port of the phones' listening point for {@code t}. */
    private int localPort(Transport t) {
        return t == Transport.TLS ? settings.tlsPort() : settings.port();
    }

    private ContactHeader contact(String user, Transport t) throws Exception {
        SipURI uri = addresses.createSipURI(user, settings.bindAddress());
        uri.setPort(localPort(t));
        if (t != Transport.UDP) {
            uri.setTransportParam(t.name().toLowerCase(Locale.ROOT));
        }
        return headers.createContactHeader(addresses.createAddress(uri));
    }

    private javax.sip.address.URI routeUri(ServerConfig s) throws Exception {
        SipURI uri = addresses.createSipURI(null, s.address());
        uri.setPort(s.port());
        uri.setLrParam();
        if (s.transport() != Transport.UDP) {
            uri.setTransportParam(s.transport().name().toLowerCase(Locale.ROOT));
        }
        return uri;
    }

    private String sdp() {
        long id = tags.incrementAndGet();
        return "v=0\r\n"
                + "o=sipfleet " + id + " " + id + " IN IP4 " + settings.bindAddress() + "\r\n"
                + "s=sipfleet\r\n"
                + "c=IN IP4 " + settings.bindAddress() + "\r\n"
                + "t=0 0\r\n"
                + "m=audio 4000 RTP/AVP 0 8\r\n"
                + "a=rtpmap:0 PCMU/8000\r\n"
                + "a=rtpmap:8 PCMA/8000\r\n"
                + "a=sendrecv\r\n";
    }

    private String tag() {
        return Long.toHexString(System.nanoTime() ^ (tags.incrementAndGet() << 20));
    }

    private static InetSocketAddress serverAddress(ServerConfig s) {
        return new InetSocketAddress(s.address(), s.port());
    }

    /**
     * A TLS send that failed other than with an SSL exception. The stack reports a handshake cut short
     * (garbage instead of a ServerHello, a reset or a close mid-handshake, a peer that never answers
     * until the handshake timeout) as "Could not connect" (like a refused connect) or "Socket is closed",
     * with no cause. The network layer knows how far this send's connection got: the connect failed
     * (its exception tells refused from timed out), or it connected and no handshake completed (the
     * handshake failed). A peer that accepts and resets at once may do so before the connect call
     * returns: that connection was made too, and the handshake is what failed. A connection made before
     * this send started tells nothing.
     */
    private TransportFailure tlsFailure(ServerConfig s, long sendStartedNs, TransportFailure byChain) {
        if (tlsLayer == null) {
            return byChain;
        }
        TlsMaterial.NoDelayTlsNetworkLayer.Attempt last;
        try {
            last = tlsLayer.lastTlsConnect(java.net.InetAddress.getByName(s.address()), s.port()).orElse(null);
        } catch (java.net.UnknownHostException ex) {
            return byChain;
        }
        if (last == null || last.atNanos() - sendStartedNs < 0) {
            return byChain;
        }
        return switch (last.stage()) {
            case CONNECT_FAILED -> {
                TransportFailure f = classify(last.failure());
                yield f == TransportFailure.TCP_RESET ? TransportFailure.TLS_HANDSHAKE_FAILED : f;
            }
            case CONNECTED -> TransportFailure.TLS_HANDSHAKE_FAILED;
            case HANDSHAKE_DONE -> byChain;
        };
    }

    /** What a failed send means for §4: the whole cause chain is read, types first, then messages. */
    static TransportFailure classify(Throwable e) {
        StringBuilder text = new StringBuilder();
        for (Throwable t = e; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (t instanceof java.net.ConnectException) {
                return TransportFailure.TCP_REFUSED;
            }
            if (t instanceof java.net.SocketTimeoutException) {
                return TransportFailure.TCP_CONNECT_TIMEOUT;
            }
            if (t instanceof javax.net.ssl.SSLException) {
                return TransportFailure.TLS_HANDSHAKE_FAILED;
            }
            text.append(' ').append(t.getMessage());
        }
        String lower = text.toString().toLowerCase(Locale.ROOT);
        if (lower.contains("refused")) {
            return TransportFailure.TCP_REFUSED;
        }
        if (lower.contains("timed out") || lower.contains("timeout")) {
            return TransportFailure.TCP_CONNECT_TIMEOUT;
        }
        if (lower.contains("reset")) {
            return TransportFailure.TCP_RESET;
        }
        LOG.log(System.Logger.Level.DEBUG, "unclassified send failure", e);
        return TransportFailure.SEND_FAILED;
    }

    /**
     * Where a request is sent from: UDP requests on the phone's stripe (in order per phone); TCP/TLS on
     * their server's own queue, since the stack's connect blocks its caller until the connect timeout.
     */
    private Executor senderFor(OutboundRequest r) {
        if (!r.server().transport().reliable()) {
            return stripe(r.phoneId());
        }
        return connectionSenders.computeIfAbsent(r.server().label(), k -> Executors.newSingleThreadExecutor(run -> {
            Thread t = new Thread(run, "sipfleet-send-" + k);
            t.setDaemon(true);
            return t;
        }));
    }

    private TaskLoop stripe(String key) {
        return senders[Math.floorMod(key.hashCode(), senders.length)];
    }

    // ---- results back to the phones ------------------------------------------------------------

    private void fail(Pending p, TransportFailure failure) {
        if (p.done || p.abandoned) {
            return;
        }
        p.done = true;
        untrack(RequestKey.of(p.request));
        OutboundRequest r = p.request;
        phoneTasks.run(r.phoneId(), System.nanoTime(), () -> r.listener().onTransportError(r, failure));
    }

    private void deliver(Pending p, SipResponse response) {
        if (p.abandoned || p.done) {
            return;
        }
        if (response.provisional()) {
            p.provisional = true;
        } else {
            p.done = true;
            untrack(RequestKey.of(p.request));
        }
        OutboundRequest r = p.request;
        phoneTasks.run(r.phoneId(), ReceptionQueue.currentReceivedNanos(), () -> r.listener().onResponse(r, response));
    }

    private static String serverKey(String address, int port) {
        return address + ":" + port;
    }

    private void track(Pending p) {
        pending.put(RequestKey.of(p.request), p);
        ServerConfig s = p.request.server();
        pendingByServer.computeIfAbsent(serverKey(s.address(), s.port()), k -> ConcurrentHashMap.newKeySet()).add(p);
    }

    private Pending untrack(RequestKey key) {
        Pending p = pending.remove(key);
        if (p != null) {
            ServerConfig s = p.request.server();
            Set<Pending> of = pendingByServer.get(serverKey(s.address(), s.port()));
            if (of != null) {
                of.remove(p);
            }
        }
        return p;
    }

    /** The requests in flight to a server (a snapshot). */
    private List<Pending> pendingTo(String address, int port) {
        Set<Pending> of = pendingByServer.get(serverKey(address, port));
        return of == null ? List.of() : List.copyOf(of);
    }

    /** An ICMP error came back from {@code server}: every UDP request in flight to it fails. */
    private void unreachable(InetSocketAddress server) {
        for (Pending p : pendingTo(server.getHostString(), server.getPort())) {
            ServerConfig s = p.request.server();
            if (!s.transport().reliable() && !p.provisional && s.port() == server.getPort()
                    && server.getHostString().equals(s.address())) {
                ClientTransaction ct = p.transaction;
                fail(p, TransportFailure.ICMP_UNREACHABLE);
                if (ct != null) {
                    try {
                        ct.terminate();
                    } catch (Exception ignored) {
                        // already gone
                    }
                }
            }
        }
    }

    @Override
    public void processResponse(ResponseEvent event) {
        Response resp = event.getResponse();
        ClientTransaction ct = event.getClientTransaction();
        if (ct == null || !(ct.getApplicationData() instanceof Pending p)) {
            return; // a stray or retransmitted response: the stack re-ACKs 2xx retransmissions of known dialogs
        }
        int status = resp.getStatusCode();
        OutboundRequest r = p.request;
        if (p.abandoned) {
            if (r.method() == Method.INVITE && status >= 200 && status < 300) {
                hangUpOrphan(r, ct);
            }
            return;
        }
        DigestChallenge challenge = null;
        if (status == 401 || status == 407) {
            challenge = challengeOf(resp, status == 407);
            challenges.put(r.callId(), new Challenge(resp, ct));
        }
        if (r.method() == Method.INVITE && status >= 200 && status < 300) {
            // the dialog the 2xx came on (after a 407 that is the authenticated INVITE's, not the first one's)
            Dialog d = event.getDialog() != null ? event.getDialog() : ct.getDialog();
            if (d != null) {
                putDialog(r.phoneId(), r.callId(), d);
            }
            invites.put(r.callId(), ct);
        }
        int expires = -1;
        if (r.method() == Method.REGISTER && status >= 200 && status < 300) {
            expires = grantedExpires(resp, r.contactUser());
        }
        deliver(p, new SipResponse(status, resp.getReasonPhrase(), expires, challenge));
    }

    /** A 2xx for an INVITE the phone gave up on (CANCEL lost the race): ACK it and hang up. */
    private void hangUpOrphan(OutboundRequest r, ClientTransaction ct) {
        try {
            Dialog d = dialogs.remove(dialogKey(r.phoneId(), r.callId()));
            if (d != null) {
                d.sendAck(d.createAck(((CSeqHeader) ct.getRequest().getHeader(CSeqHeader.NAME)).getSeqNumber()));
                d.sendRequest(provider.getNewClientTransaction(d.createRequest(Request.BYE)));
            }
        } catch (Exception e) {
            LOG.log(System.Logger.Level.DEBUG, "orphan 2xx of " + r + ": " + e);
        }
    }

    private static int grantedExpires(Response resp, String contactUser) {
        var it = resp.getHeaders(ContactHeader.NAME);
        while (it.hasNext()) {
            ContactHeader c = (ContactHeader) it.next();
            if (c.getAddress().getURI() instanceof SipURI u && contactUser.equals(u.getUser()) && c.getExpires() >= 0) {
                return c.getExpires();
            }
        }
        ExpiresHeader e = (ExpiresHeader) resp.getHeader(ExpiresHeader.NAME);
        return e == null ? -1 : e.getExpires();
    }

    private static DigestChallenge challengeOf(Response resp, boolean proxy) {
        WWWAuthenticateHeader h = (WWWAuthenticateHeader) resp.getHeader(
                proxy ? ProxyAuthenticateHeader.NAME : WWWAuthenticateHeader.NAME);
        if (h == null) {
            return null;
        }
        return new DigestChallenge(proxy, h.getRealm(), h.getNonce(), h.getAlgorithm(), h.getQop(), h.getOpaque(),
                h.isStale());
    }

    @Override
    public void processTimeout(TimeoutEvent event) {
        if (event.isServerTransaction()) {
            return;
        }
        ClientTransaction ct = event.getClientTransaction();
        if (ct == null || !(ct.getApplicationData() instanceof Pending p)) {
            return;
        }
        if (event.getTimeout() == Timeout.RETRANSMIT) {
            ServerConfig s = p.request.server();
            if (!s.transport().reliable() && !p.abandoned && !p.done) {
                icmp.probe(serverAddress(s)); // a server that died mid-transaction answers the retransmission with ICMP
            }
            return;
        }
        if (p.abandoned || p.done) {
            return;
        }
        p.done = true;
        untrack(RequestKey.of(p.request));
        OutboundRequest r = p.request;
        phoneTasks.run(r.phoneId(), System.nanoTime(), () -> r.listener().onTimeout(r));
    }

    @Override
    public void processIOException(IOExceptionEvent event) {
        String host = event.getHost();
        int port = event.getPort();
        for (Pending p : pendingTo(host, port)) {
            ServerConfig s = p.request.server();
            if (s.transport().reliable()) {
                fail(p, TransportFailure.TCP_RESET);
            }
        }
    }

    // ---- requests from servers ----------------------------------------------------------------

    @Override
    public void processRequest(RequestEvent event) {
        Request req = event.getRequest();
        String method = req.getMethod();
        transactions.increment();
        try {
            if (Request.ACK.equals(method)) {
                return;
            }
            if (Request.OPTIONS.equals(method)) {
                provider.sendResponse(messages.createResponse(Response.OK, req));
                return;
            }
            String user = userOf(req);
            Endpoint e = user == null ? null : endpoints.get(user);
            ServerTransaction st = event.getServerTransaction();
            if (st == null) {
                try {
                    st = provider.getNewServerTransaction(req);
                } catch (javax.sip.TransactionUnavailableException ex) {
                    if (!(ex.getCause() instanceof java.text.ParseException)) {
                        throw ex;
                    }
                    // JAIN-SIP's own check of the request failed (no Max-Forwards, an INVITE without Contact, ...):
                    // malformed; answered 400 without a transaction, as the stack does for what does not parse
                    countMalformed(req);
                    LOG.log(System.Logger.Level.DEBUG, "dropped a malformed " + method + ": " + ex.getMessage());
                    answerStatelessly(req, Response.BAD_REQUEST);
                    return;
                }
            }
            String callId = ((CallIdHeader) req.getHeader(CallIdHeader.NAME)).getCallId();
            if (!(req.getRequestURI() instanceof SipURI)) {
                // well-formed, but no phone has an address outside sip:/sips: (RFC 3261 8.2.2.1)
                st.sendResponse(messages.createResponse(Response.UNSUPPORTED_URI_SCHEME, req));
                return;
            }
            if (e == null) {
                // requests from servers are routed by the Contact user the phone registered
                st.sendResponse(messages.createResponse(Request.INVITE.equals(method) ? Response.NOT_FOUND
                        : Response.CALL_OR_TRANSACTION_DOES_NOT_EXIST, req));
                return;
            }
            FromHeader from = (FromHeader) req.getHeader(FromHeader.NAME);
            String fromUser = from.getAddress().getURI() instanceof SipURI u ? u.getUser() : from.getAddress().toString();
            String display = from.getAddress().getDisplayName() == null ? "" : from.getAddress().getDisplayName();
            switch (method) {
                case Request.INVITE -> {
                    Dialog d = st.getDialog() != null ? st.getDialog() : provider.getNewDialog(st);
                    putDialog(e.endpoint().phoneId(), callId, d);
                    incomingInvites.put(callId, st);
                    InboundRequest in = new InboundRequest(Method.INVITE, e.line(), callId, fromUser, display, -1, st);
                    phoneTasks.run(e.endpoint().phoneId(), ReceptionQueue.currentReceivedNanos(),
                            () -> e.endpoint().onIncomingInvite(in));
                }
                case Request.CANCEL -> {
                    // the stack matched the CANCEL to its INVITE; the phone answers both (200, 487)
                    incomingInvites.remove(callId);
                    InboundRequest in = new InboundRequest(Method.CANCEL, e.line(), callId, fromUser, display, -1, st);
                    phoneTasks.run(e.endpoint().phoneId(), ReceptionQueue.currentReceivedNanos(),
                            () -> e.endpoint().onIncomingCancel(in));
                }
                case Request.BYE -> {
                    InboundRequest in = new InboundRequest(Method.BYE, e.line(), callId, fromUser, display, -1, st);
                    phoneTasks.run(e.endpoint().phoneId(), ReceptionQueue.currentReceivedNanos(),
                            () -> e.endpoint().onIncomingBye(in));
                }
                default -> st.sendResponse(messages.createResponse(Response.NOT_IMPLEMENTED, req));
            }
        } catch (java.text.ParseException | IllegalArgumentException | ClassCastException ex) {
            // the request parsed, but cannot be taken apart or answered: malformed
            countMalformed(req);
            LOG.log(System.Logger.Level.DEBUG, "dropped a malformed " + method + ": " + ex);
        } catch (Exception ex) {
            // a retransmission racing its transaction, a response that cannot be sent: not the request's fault
            LOG.log(System.Logger.Level.DEBUG, "cannot handle " + method + ": " + ex);
        }
    }

    private void answerStatelessly(Request req, int status) {
        try {
            provider.sendResponse(messages.createResponse(status, req));
        } catch (Exception ex) {
            LOG.log(System.Logger.Level.DEBUG, "cannot answer " + status + " to " + req.getMethod() + ": " + ex);
        }
    }

    /** Counts a request that reached the listener as malformed, by the transport and peer it came from. */
    private void countMalformed(Request req) {
        String transport = "unknown";
        String address = "unknown";
        if (req instanceof gov.nist.javax.sip.message.SIPRequest q) {
            if (q.getMessageChannel() instanceof gov.nist.javax.sip.stack.MessageChannel ch) {
                transport = ch.getTransport();
            }
            if (q.getPeerPacketSourceAddress() != null) {
                address = CountingParserFactory.hostPort(q.getPeerPacketSourceAddress(), q.getPeerPacketSourcePort());
            }
        }
        malformed.count(transport, address);
    }

    private static String userOf(Request req) {
        return req.getRequestURI() instanceof SipURI u ? u.getUser() : null;
    }

    private static Transport transportOf(ServerTransaction st) {
        ViaHeader v = (ViaHeader) st.getRequest().getHeader(ViaHeader.NAME);
        String t = v == null ? null : v.getTransport();
        return "tls".equalsIgnoreCase(t) ? Transport.TLS : "tcp".equalsIgnoreCase(t) ? Transport.TCP : Transport.UDP;
    }

    @Override
    public void processTransactionTerminated(TransactionTerminatedEvent event) {
        // results were delivered already
    }

    @Override
    public void processDialogTerminated(DialogTerminatedEvent event) {
        Dialog d = event.getDialog();
        if (d != null && d.getCallId() != null) {
            if (d.getApplicationData() instanceof String key) {
                dialogs.remove(key, d);
            }
        }
    }

    @Override
    public void close() {
        icmp.close();
        for (TaskLoop s : senders) {
            s.close();
        }
        connectionSenders.values().forEach(ExecutorService::shutdownNow);
        stack.stop();
        CountingParserFactory.unregister(stackName);
        TraceTap.unregister(stackName);
        tracer.close();
        faults.close();
    }
}
