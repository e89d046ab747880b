package io.sipfleet.simulator.relay;

import gov.nist.javax.sip.message.SIPMessage;
import gov.nist.javax.sip.message.SIPRequest;
import io.sipfleet.faults.Packet;
import io.sipfleet.faults.PacketPolicy;
import io.sipfleet.faults.Protocol;
import io.sipfleet.faults.Verdict;
import java.io.IOException;
import java.net.BindException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.channels.DatagramChannel;
import java.nio.channels.ServerSocketChannel;
import java.text.ParseException;
import java.time.Duration;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.Future;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.LongSupplier;

/**
 * A SIP relay that a real phone (or any SIP client) is pointed at instead of its server: it forwards
 * everything to one upstream server and back, and applies a {@link PacketPolicy}'s verdicts to the real
 * packets both ways, so a hardware phone meets the same faults as the simulator's virtual phones.
 *
 * <p>It listens on one address and port, UDP and TCP. It is SIP-aware just enough for a server with no
 * NAT handling to send responses and its own requests (INVITE, BYE, OPTIONS to the phone) back through
 * it: see {@link RelaySip} for exactly what is rewritten (a Via pushed and popped, Contacts pointing at
 * the relay, the Request-URI restored, a Record-Route on dialog-creating requests). Messages are read
 * and changed with JAIN-SIP's parser and header classes; on TCP, JAIN-SIP's parser reads each header
 * section for its Content-Length.
 *
 * <h2>What the policy is asked, and what each verdict does</h2>
 * Each SIP message and keep-alive (CR/LF) is one {@link Packet}: flow TO_SERVER (a client's request or
 * response) or FROM_SERVER; protocol UDP or TCP; server = the upstream's {@code host:port}; phoneId =
 * the client's {@code host:port} (for TCP the remote end of its connection); fleet and model null;
 * method = the request's method or the response's CSeq method; status. An accepted TCP connection is
 * one {@code Kind.CONNECT} packet. The policy is called from the relay's threads (UDP and TCP at
 * once): it must be thread-safe. A policy that throws counts as {@link Verdict#PASS} (and is counted).
 * <ul>
 *   <li>Pass: forwarded. Drop: not forwarded. Delay(ms): forwarded that much later (later packets
 *       overtake it). Duplicate(copies, spacing): forwarded, then {@code copies} more times
 *       {@code spacing} ms apart.</li>
 *   <li>Respond(status, reason, retryAfter): a request (not an ACK) is answered by the relay with a
 *       response built by JAIN-SIP from it (Via, From, To plus a tag, Call-ID, CSeq; Retry-After when
 *       given; Content-Length 0) and not forwarded; on a response or an ACK it acts as Drop.</li>
 *   <li>Unreachable, UDP: the packet is dropped and the relay's UDP socket closed, so that the kernel
 *       answers every later datagram to the port with a real ICMP port unreachable; it is opened again
 *       on the same port after {@link Settings#unreachableHold()}, and the next packet is decided
 *       afresh (the policy is never probed: a decision may have side effects). A closed port is closed
 *       for every client of the relay and for the upstream's packets to it too. The packet that
 *       decided it gets no ICMP (it had already arrived); the phone's next packet (its retransmission)
 *       does.</li>
 *   <li>Unreachable, TCP: the client's connection is reset (RST, SO_LINGER 0), its upstream connection
 *       closed, and the listener closed for the hold, so new connects are refused; on a CONNECT the
 *       just-accepted connection is reset (the kernel had completed its handshake already).</li>
 *   <li>Reset (TCP): the client's connection is reset. ConnectTimeout on a CONNECT: nothing is sent
 *       upstream and the client's data is dropped until {@link Settings#connectTimeout()}, then its
 *       connection is reset. Drop on a CONNECT acts as ConnectTimeout. On UDP, Reset and ConnectTimeout
 *       act as Drop; on a TCP message ConnectTimeout acts as Drop.</li>
 * </ul>
 * A message that does not parse (or lacks Via, From, To, Call-ID, CSeq) is counted as malformed and
 * dropped; on TCP, a stream that cannot be framed any more (a bad Content-Length) is reset. A message
 * the relay cannot route (a response whose top Via is not the relay's, a request from the upstream
 * for no client of the relay) is counted as unroutable and dropped.
 *
 * <h2>Bounds</h2>
 * At most {@link Settings#maxClients()} clients are remembered (least recently active forgotten first;
 * idle ones forgotten after {@link Settings#clientIdle()}), at most that many TCP client connections
 * (more are reset; idle ones closed after {@code clientIdle}), at most {@value #MAX_SCHEDULED} delayed
 * or duplicate sends pending (more are dropped), 1 MiB queued per TCP connection. Routing needs no
 * per-transaction state: where a response goes back to travels in the relay's own Via.
 *
 * <p>Threads (daemons): {@code sipfleet-relay-udp-PORT} receives UDP, {@code sipfleet-relay-tcp-PORT}
 * does all TCP I/O, {@code sipfleet-relay-timer-PORT} runs delays, duplicates and timers. No thread per
 * packet or connection.
 */
public final class FaultRelay implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger(FaultRelay.class.getName());
    /** Delayed and duplicate sends pending at most. */
    public static final int MAX_SCHEDULED = 10_000;

    /**
     * What a relay listens on and forwards to.
     *
     * @param listenHost      the address to listen on, UDP and TCP, also written into the Via, Contact and
     *                        Record-Route the relay adds, so not a wildcard address
     * @param listenPort      the port, UDP and TCP; 0 picks one free for both ({@link FaultRelay#port()})
     * @param upstreamHost    the real server
     * @param upstreamPort    its port (UDP and TCP)
     * @param connectTimeout  bound on a TCP connect to the upstream, and how long a ConnectTimeout verdict holds
     * @param unreachableHold how long the port stays closed after an Unreachable verdict
     * @param maxClients      clients remembered, and TCP client connections, at most
     * @param clientIdle      a client (and a TCP connection) idle this long is forgotten (closed)
     */
    public record Settings(String listenHost, int listenPort, String upstreamHost, int upstreamPort,
                           Duration connectTimeout, Duration unreachableHold, int maxClients, Duration clientIdle) {
        public Settings {
            Objects.requireNonNull(listenHost, "listenHost");
            Objects.requireNonNull(upstreamHost, "upstreamHost");
            Objects.requireNonNull(connectTimeout, "connectTimeout");
            Objects.requireNonNull(unreachableHold, "unreachableHold");
            Objects.requireNonNull(clientIdle, "clientIdle");
            if (listenPort < 0 || listenPort > 65535 || upstreamPort < 1 || upstreamPort > 65535) {
                throw new IllegalArgumentException("port out of range: listen " + listenPort + ", upstream " + upstreamPort);
            }
            if (connectTimeout.toMillis() < 1 || unreachableHold.toMillis() < 1 || clientIdle.toMillis() < 1) {
                throw new IllegalArgumentException("connectTimeout, unreachableHold and clientIdle must be >= 1 ms");
            }
            if (maxClients < 1) {
                throw new IllegalArgumentException("maxClients must be >= 1: " + maxClients);
            }
        }

        /** Defaults: connect timeout 2 s, unreachable hold 1 s, 1024 clients, idle 1 h. */
        public static Settings of(String listenHost, int listenPort, String upstreamHost, int upstreamPort) {
            return new Settings(listenHost, listenPort, upstreamHost, upstreamPort, Duration.ofSeconds(2),
                    Duration.ofSeconds(1), 1024, Duration.ofHours(1));
        }

        public Settings withConnectTimeout(Duration d) {
            return new Settings(listenHost, listenPort, upstreamHost, upstreamPort, d, unreachableHold, maxClients,
                    clientIdle);
        }

        public Settings withUnreachableHold(Duration d) {
            return new Settings(listenHost, listenPort, upstreamHost, upstreamPort, connectTimeout, d, maxClients,
                    clientIdle);
        }

        public Settings withClients(int max, Duration idle) {
            return new Settings(listenHost, listenPort, upstreamHost, upstreamPort, connectTimeout, unreachableHold,
                    max, idle);
        }
    }

    /**
     * What the relay has done so far.
     *
     * @param toServer       messages and keep-alives sent to the server side (copies included)
     * @param toClient       sent to clients (copies included)
     * @param dropped        not forwarded because of a verdict (Drop, Unreachable, a blackholed connect, ...)
     * @param delayed        forwarded late (Delay)
     * @param duplicated     extra copies sent (Duplicate)
     * @param answered       requests the relay answered itself (Respond, 483)
     * @param malformed      messages that did not parse (and TCP streams that could not be framed)
     * @param unroutable     messages with nowhere to go (see the class comment), and sends that failed
     * @param unreachable    times a port was closed (UDP socket or TCP listener)
     * @param resets         TCP client connections reset by the relay
     * @param policyErrors   times the policy threw
     * @param clients        clients remembered now
     * @param tcpConnections TCP client connections open now
     */
    public record Counters(long toServer, long toClient, long dropped, long delayed, long duplicated, long answered,
                           long malformed, long unroutable, long unreachable, long resets, long policyErrors,
                           int clients, int tcpConnections) {}

    private final Settings settings;
    private final PacketPolicy policy;
    private final LongSupplier clockMs;
    private final WireMessage.Tap tap;
    private final InetSocketAddress listen;
    private final InetSocketAddress upstream;
    private final String upstreamId;
    private final RelaySip sip;
    private final ScheduledThreadPoolExecutor timer;
    private final UdpSide udp;
    private final TcpSide tcp;
    private final Map<String, Long> clients = new LinkedHashMap<>(64, 0.75f, true);
    private final AtomicInteger scheduled = new AtomicInteger();
    private final LongAdder toServer = new LongAdder();
    private final LongAdder toClient = new LongAdder();
    private final LongAdder dropped = new LongAdder();
    private final LongAdder delayed = new LongAdder();
    private final LongAdder duplicated = new LongAdder();
    private final LongAdder answered = new LongAdder();
    private final LongAdder malformed = new LongAdder();
    private final LongAdder unroutable = new LongAdder();
    private final LongAdder unreachable = new LongAdder();
    private final LongAdder resets = new LongAdder();
    private final LongAdder policyErrors = new LongAdder();
    private final LongAdder tapErrors = new LongAdder();
    private volatile boolean closed;

    private FaultRelay(Settings settings, PacketPolicy policy, LongSupplier clockMs, WireMessage.Tap tap,
            DatagramChannel udpChannel, ServerSocketChannel tcpChannel, InetSocketAddress upstream) throws IOException {
        this.settings = settings;
        this.policy = policy;
        this.clockMs = clockMs;
        this.tap = tap;
        this.listen = (InetSocketAddress) udpChannel.getLocalAddress();
        this.upstream = upstream;
        this.upstreamId = Endpoint.of('u', upstream).hostPort();
        this.sip = new RelaySip(listen.getAddress().getHostAddress(), listen.getPort());
        this.timer = new ScheduledThreadPoolExecutor(1, r -> {
            Thread t = new Thread(r, "sipfleet-relay-timer-" + listen.getPort());
            t.setDaemon(true);
            return t;
        });
        timer.setRemoveOnCancelPolicy(true);
        timer.setExecuteExistingDelayedTasksAfterShutdownPolicy(false);
        this.udp = new UdpSide(this, udpChannel);
        this.tcp = new TcpSide(this, tcpChannel, upstream, settings.maxClients());
    }

    /**
     * Starts a relay: binds UDP and TCP on the listen address (the same port for both) and begins
     * forwarding to the upstream.
     *
     * @param settings what to listen on and forward to
     * @param policy   decides each packet's fate; thread-safe
     * @param clockMs  the time given to {@link PacketPolicy#decide} (e.g. {@code System::currentTimeMillis})
     * @throws IOException when the address cannot be bound or the upstream host not resolved
     */
    public static FaultRelay start(Settings settings, PacketPolicy policy, LongSupplier clockMs) throws IOException {
        return start(settings, policy, clockMs, WireMessage.Tap.NONE);
    }

    /**
     * Starts a relay as {@link #start(Settings, PacketPolicy, LongSupplier)} that also tells {@code tap} of every SIP
     * message it decided (a client's message as it arrived, whatever its fate; a message to a client with whether it
     * was forwarded; a request answered in the server's place, with that answer). What the tap throws is counted
     * ({@link #tapErrors()}) and ignored.
     */
    public static FaultRelay start(Settings settings, PacketPolicy policy, LongSupplier clockMs, WireMessage.Tap tap)
            throws IOException {
        Objects.requireNonNull(settings, "settings");
        Objects.requireNonNull(tap, "tap");
        Objects.requireNonNull(policy, "policy");
        Objects.requireNonNull(clockMs, "clockMs");
        InetAddress listenAddress = InetAddress.getByName(settings.listenHost());
        if (listenAddress.isAnyLocalAddress()) {
            throw new IllegalArgumentException("the relay writes its listen address into messages: give a concrete "
                    + "address, not " + settings.listenHost());
        }
        InetSocketAddress upstream = new InetSocketAddress(InetAddress.getByName(settings.upstreamHost()),
                settings.upstreamPort());
        DatagramChannel udpChannel = null;
        ServerSocketChannel tcpChannel = null;
        for (int attempt = 0; udpChannel == null; attempt++) {
            tcpChannel = TcpSide.open(new InetSocketAddress(listenAddress, settings.listenPort()));
            int port = ((InetSocketAddress) tcpChannel.getLocalAddress()).getPort();
            try {
                udpChannel = UdpSide.open(new InetSocketAddress(listenAddress, port));
            } catch (BindException taken) {
                tcpChannel.close();
                if (settings.listenPort() != 0 || attempt >= 50) {
                    throw taken;
                }
            }
        }
        FaultRelay relay;
        try {
            relay = new FaultRelay(settings, policy, clockMs, tap, udpChannel, tcpChannel, upstream);
        } catch (IOException | RuntimeException e) {
            udpChannel.close();
            tcpChannel.close();
            throw e;
        }
        relay.udp.start();
        relay.tcp.start();
        long sweep = Math.max(10, Math.min(settings.clientIdle().toMillis() / 4, 30_000));
        relay.timer.scheduleWithFixedDelay(relay::sweepIdle, sweep, sweep, TimeUnit.MILLISECONDS);
        return relay;
    }

    /** The address the relay listens on (UDP and TCP), with the port actually bound. */
    public InetSocketAddress listenAddress() {
        return listen;
    }

    /** The port the relay listens on, UDP and TCP. */
    public int port() {
        return listen.getPort();
    }

    /** The upstream server, "host:port" (as {@code Packet.server}). */
    public String upstream() {
        return upstreamId;
    }

    /** False while an Unreachable verdict keeps the UDP port closed (or after {@link #close()}). */
    public boolean udpOpen() {
        return udp.isOpen();
    }

    /** False while an Unreachable verdict keeps the TCP listener closed (or after {@link #close()}). */
    public boolean tcpOpen() {
        return tcp.isListening();
    }

    public Counters counters() {
        int known;
        synchronized (clients) {
            known = clients.size();
        }
        return new Counters(toServer.sum(), toClient.sum(), dropped.sum(), delayed.sum(), duplicated.sum(),
                answered.sum(), malformed.sum(), unroutable.sum(), unreachable.sum(), resets.sum(),
                policyErrors.sum(), known, tcp.connections());
    }

    /** Times the wire tap threw (the message went on as decided). */
    public long tapErrors() {
        return tapErrors.sum();
    }

    /** Stops the threads and closes every socket; pending delayed sends are dropped. Idempotent. */
    @Override
    public void close() {
        synchronized (this) {
            if (closed) {
                return;
            }
            closed = true;
        }
        timer.shutdownNow();
        udp.close();
        tcp.close();
        try {
            timer.awaitTermination(2, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public String toString() {
        return "FaultRelay[" + Endpoint.of('u', listen).hostPort() + " -> " + upstreamId + "]";
    }

    // ------------------------------------------------------------------ for the sides

    long holdMs() {
        return settings.unreachableHold().toMillis();
    }

    long connectTimeoutMs() {
        return settings.connectTimeout().toMillis();
    }

    void countReset() {
        resets.increment();
    }

    void countMalformed() {
        malformed.increment();
    }

    void countDropped() {
        dropped.increment();
    }

    void countUnreachable() {
        unreachable.increment();
    }

    /** Runs {@code r} on the relay's timer after {@code delayMs}; null when the relay is closed. */
    Future<?> schedule(Runnable r, long delayMs) {
        if (closed) {
            return null;
        }
        try {
            return timer.schedule(r, Math.max(0, delayMs), TimeUnit.MILLISECONDS);
        } catch (RejectedExecutionException stopped) {
            return null;
        }
    }

    /** A datagram on the relay's UDP port. */
    void receivedUdp(InetSocketAddress from, byte[] bytes) {
        Endpoint source = Endpoint.of('u', from);
        boolean fromUpstream = from.equals(upstream);
        if (RelaySip.blank(bytes, 0, bytes.length)) {
            if (fromUpstream) {
                unroutable.increment(); // a keep-alive for no client in particular
                return;
            }
            keepalive(Packet.Flow.TO_SERVER, Protocol.UDP, source.hostPort(), null,
                    () -> Outgoing.udp(upstream, bytes, true));
            return;
        }
        message(Protocol.UDP, source, bytes, fromUpstream, null, null);
    }

    /** A frame on a TCP connection (selector thread). */
    void receivedTcp(TcpSide.Conn conn, boolean keepalive, byte[] bytes) {
        Endpoint pairClient = conn.toUpstream && conn.peer != null ? conn.peer.remote : null;
        if (keepalive) {
            if (conn.toUpstream) {
                if (pairClient == null) {
                    return;
                }
                keepalive(Packet.Flow.FROM_SERVER, Protocol.TCP, pairClient.hostPort(), conn,
                        () -> Outgoing.tcp(conn.peer, false, bytes, false));
            } else {
                keepalive(Packet.Flow.TO_SERVER, Protocol.TCP, conn.remote.hostPort(), conn,
                        () -> Outgoing.tcp(conn, true, bytes, true));
            }
            return;
        }
        message(Protocol.TCP, conn.remote, bytes, conn.toUpstream, conn, pairClient);
    }

    /** A TCP client connection accepted (selector thread): the connect is a packet of its own. */
    void connectAccepted(TcpSide.Conn conn) {
        Verdict v = decide(Packet.connect(Protocol.TCP, upstreamId, conn.remote.hostPort(), null, null));
        if (v instanceof Verdict.Unreachable) {
            dropped.increment();
            tcp.unreachable(conn, holdMs());
        } else if (v instanceof Verdict.ConnectTimeout || v instanceof Verdict.Drop) {
            tcp.blackhole(conn, connectTimeoutMs());
        } else if (v instanceof Verdict.Reset) {
            tcp.resetClient(conn);
        }
        // anything else: the upstream connection is opened when the first thing goes upstream
    }

    // ------------------------------------------------------------------ one packet

    /** Where bytes go: a UDP address, or a TCP connection (or the upstream connection of one). */
    private record Outgoing(Protocol protocol, InetSocketAddress udpTo, TcpSide.Conn conn, boolean upstreamOf,
                            String acceptedKey, byte[] bytes, boolean toServer) {
        static Outgoing udp(InetSocketAddress to, byte[] bytes, boolean toServer) {
            return new Outgoing(Protocol.UDP, to, null, false, null, bytes, toServer);
        }

        static Outgoing tcp(TcpSide.Conn conn, boolean upstreamOf, byte[] bytes, boolean toServer) {
            return new Outgoing(Protocol.TCP, null, conn, upstreamOf, null, bytes, toServer);
        }
    }

    @FunctionalInterface
    private interface Prepare {
        /** The outgoing bytes and their way, or null when there is none. */
        Outgoing get() throws Exception;
    }

    private void keepalive(Packet.Flow flow, Protocol protocol, String phoneId, TcpSide.Conn conn, Prepare out) {
        if (flow == Packet.Flow.TO_SERVER) {
            touch(phoneId);
        }
        Verdict v = decide(new Packet(flow, protocol, Packet.Kind.KEEPALIVE, upstreamId, phoneId, null, null, null, 0));
        carryOut(v, protocol, conn, null, out, null);
    }

    private void message(Protocol protocol, Endpoint source, byte[] bytes, boolean fromUpstream, TcpSide.Conn conn,
            Endpoint pairClient) {
        SIPMessage m;
        try {
            m = RelaySip.parse(bytes);
        } catch (ParseException | RuntimeException e) {
            malformed.increment();
            LOG.log(System.Logger.Level.DEBUG, () -> "relay: malformed message from " + source.hostPort() + ": " + e);
            return;
        }
        RelaySip.Plan plan;
        try {
            plan = sip.plan(m, source, fromUpstream, pairClient);
        } catch (RelaySip.Unroutable e) {
            unroutable.increment();
            LOG.log(System.Logger.Level.DEBUG, () -> "relay: unroutable message from " + source.hostPort() + ": "
                    + e.getMessage());
            return;
        } catch (RuntimeException e) {
            malformed.increment();
            LOG.log(System.Logger.Level.DEBUG, () -> "relay: unusable message from " + source.hostPort() + ": " + e);
            return;
        }
        if (plan.tooManyHops) {
            reply(protocol, source, conn, (SIPRequest) m, 483, "Too Many Hops", null);
            return;
        }
        boolean toServer = plan.action == RelaySip.Action.CLIENT_REQUEST
                || plan.action == RelaySip.Action.CLIENT_RESPONSE;
        if (toServer) {
            touch(plan.phoneId);
        }
        Packet p = new Packet(toServer ? Packet.Flow.TO_SERVER : Packet.Flow.FROM_SERVER, protocol,
                Packet.Kind.MESSAGE, upstreamId, plan.phoneId, null, null, plan.method, plan.status);
        Verdict v = decide(p);
        tell(plan, protocol, p.flow() == Packet.Flow.TO_SERVER, v);
        // the client's connection, for Reset / Unreachable on TCP
        TcpSide.Conn clientConn = conn;
        if (!toServer && plan.target != null && plan.target.transport() == 't') {
            TcpSide.Conn c = tcp.acceptedConn(plan.target.hostPort());
            clientConn = c != null ? c : conn;
        }
        carryOut(v, protocol, clientConn, plan, () -> route(plan, protocol, conn), new Answerer(protocol, source, conn));
    }

    /** Where a planned message goes, rewritten and encoded; null when nowhere (counted). */
    private Outgoing route(RelaySip.Plan plan, Protocol arrivedOn, TcpSide.Conn conn) throws Exception {
        switch (plan.action) {
            case CLIENT_REQUEST -> {
                if (arrivedOn == Protocol.UDP) {
                    return Outgoing.udp(upstream, plan.apply('u'), true);
                }
                return Outgoing.tcp(conn, true, plan.apply('t'), true);
            }
            case SERVER_REQUEST, SERVER_RESPONSE -> {
                Endpoint client = plan.target;
                if (client.transport() == 't') {
                    // its connection, looked up again when sent
                    return new Outgoing(Protocol.TCP, null, null, false, client.hostPort(), plan.apply('t'), false);
                }
                return Outgoing.udp(client.socketAddress(), plan.apply('u'), false);
            }
            case CLIENT_RESPONSE -> {
                Endpoint sender = plan.target;
                if (sender.transport() == 'u') {
                    return Outgoing.udp(sender.socketAddress(), plan.apply('u'), true);
                }
                // the server's own connection to the relay if still open, else this client's upstream one
                byte[] bytes = plan.apply('t');
                TcpSide.Conn client = conn == null ? null : conn.toUpstream ? conn.peer : conn;
                return new Outgoing(Protocol.TCP, null, client, client != null, sender.hostPort(), bytes, true);
            }
            default -> throw new IllegalStateException(plan.action.toString());
        }
    }

    /** Sends the relay's own response back to where a request came from. */
    private final class Answerer {
        private final Protocol protocol;
        private final Endpoint source;
        private final TcpSide.Conn conn;

        Answerer(Protocol protocol, Endpoint source, TcpSide.Conn conn) {
            this.protocol = protocol;
            this.source = source;
            this.conn = conn;
        }

        void answer(SIPRequest request, Verdict.Respond r) {
            reply(protocol, source, conn, request, r.status(), r.reason(), r.retryAfterSeconds());
        }
    }

    private void reply(Protocol protocol, Endpoint source, TcpSide.Conn conn, SIPRequest request, int status,
            String reason, Integer retryAfter) {
        byte[] bytes;
        try {
            bytes = sip.answer(request, status, reason, retryAfter);
        } catch (Exception e) {
            LOG.log(System.Logger.Level.WARNING, "relay: cannot answer " + request.getMethod() + " with " + status, e);
            dropped.increment();
            return;
        }
        answered.increment();
        if (protocol == Protocol.UDP) {
            if (!udp.send(source.socketAddress(), bytes)) {
                unroutable.increment();
            }
        } else {
            tcp.execute(() -> {
                if (!tcp.write(conn, bytes)) {
                    unroutable.increment();
                }
            });
        }
    }

    private void carryOut(Verdict v, Protocol protocol, TcpSide.Conn clientConn, RelaySip.Plan plan, Prepare prepare,
            Answerer answerer) {
        if (v instanceof Verdict.Pass) {
            transmit(prepared(prepare));
        } else if (v instanceof Verdict.Drop) {
            dropped.increment();
        } else if (v instanceof Verdict.Delay d) {
            Outgoing out = prepared(prepare);
            if (out != null && later(() -> transmit(out), d.millis())) {
                delayed.increment();
            }
        } else if (v instanceof Verdict.Duplicate d) {
            Outgoing out = prepared(prepare);
            if (out == null) {
                return;
            }
            transmit(out);
            for (int i = 1; i <= d.copies(); i++) {
                if (later(() -> transmit(out), d.spacingMillis() * i)) {
                    duplicated.increment();
                }
            }
        } else if (v instanceof Verdict.Respond r) {
            if (plan != null && answerer != null && plan.isRequest() && !plan.isAck()) {
                answerer.answer((SIPRequest) plan.message, r);
            } else {
                dropped.increment();
            }
        } else if (v instanceof Verdict.Unreachable) {
            dropped.increment();
            if (protocol == Protocol.UDP) {
                udp.closeFor(holdMs());
            } else {
                tcp.execute(() -> tcp.unreachable(clientConn, holdMs()));
            }
        } else if (v instanceof Verdict.Reset) {
            dropped.increment();
            if (protocol == Protocol.TCP && clientConn != null) {
                tcp.execute(() -> tcp.resetClient(clientConn));
            }
        } else {
            dropped.increment(); // ConnectTimeout on a message
        }
    }

    private Outgoing prepared(Prepare prepare) {
        try {
            Outgoing out = prepare.get();
            if (out == null) {
                unroutable.increment();
            }
            return out;
        } catch (Exception e) {
            LOG.log(System.Logger.Level.DEBUG, () -> "relay: cannot rewrite a message: " + e);
            malformed.increment();
            return null;
        }
    }

    /** Schedules a send, within {@link #MAX_SCHEDULED}; false (and counted as dropped) when over it. */
    private boolean later(Runnable send, long delayMs) {
        if (scheduled.incrementAndGet() > MAX_SCHEDULED) {
            scheduled.decrementAndGet();
            dropped.increment();
            return false;
        }
        Future<?> f = schedule(() -> {
            scheduled.decrementAndGet();
            send.run();
        }, delayMs);
        if (f == null) {
            scheduled.decrementAndGet();
            return false;
        }
        return true;
    }

    private void transmit(Outgoing out) {
        if (out == null) {
            return;
        }
        LongAdder sent = out.toServer() ? toServer : toClient;
        if (out.protocol() == Protocol.UDP) {
            // counted before it leaves: whoever receives it may read the counters at once
            sent.increment();
            if (!udp.send(out.udpTo(), out.bytes())) {
                sent.decrement();
                unroutable.increment();
            }
            return;
        }
        tcp.execute(() -> {
            boolean ok;
            sent.increment();
            TcpSide.Conn target = out.acceptedKey() == null ? null : tcp.acceptedConn(out.acceptedKey());
            if (target != null) {
                ok = tcp.write(target, out.bytes());
            } else if (out.conn() != null && out.upstreamOf()) {
                ok = tcp.writeUpstream(out.conn(), out.bytes());
            } else if (out.conn() != null && out.acceptedKey() == null) {
                ok = tcp.write(out.conn(), out.bytes());
            } else {
                ok = false;
            }
            if (!ok) {
                sent.decrement();
                unroutable.increment();
            }
        });
    }

    /** Tells the tap of a message decided (before it is rewritten), and of the answer given in the server's place. */
    private void tell(RelaySip.Plan plan, Protocol protocol, boolean toServer, Verdict v) {
        if (tap == WireMessage.Tap.NONE) {
            return;
        }
        try {
            boolean forwarded = v instanceof Verdict.Pass || v instanceof Verdict.Delay
                    || v instanceof Verdict.Duplicate;
            WireMessage w = WireMessage.of(plan.message, clockMs.getAsLong(), toServer, forwarded, plan.phoneId,
                    protocol.name());
            tap.observed(w);
            if (v instanceof Verdict.Respond r && toServer && plan.isRequest() && !plan.isAck()) {
                tap.observed(w.answeredWith(r.status()));
            }
        } catch (RuntimeException e) {
            tapErrors.increment();
            LOG.log(System.Logger.Level.DEBUG, () -> "relay: the wire tap failed: " + e);
        }
    }

    private Verdict decide(Packet p) {
        if (!policy.active()) {
            return Verdict.PASS;
        }
        try {
            Verdict v = policy.decide(p, clockMs.getAsLong());
            return v == null ? Verdict.PASS : v;
        } catch (RuntimeException e) {
            policyErrors.increment();
            LOG.log(System.Logger.Level.WARNING, "relay: the policy failed on " + p + ": passing it", e);
            return Verdict.PASS;
        }
    }

    // ------------------------------------------------------------------ clients

    private void touch(String phoneId) {
        long now = System.nanoTime();
        synchronized (clients) {
            clients.put(phoneId, now);
            if (clients.size() > settings.maxClients()) {
                Iterator<String> eldest = clients.keySet().iterator();
                eldest.next();
                eldest.remove();
            }
        }
    }

    private void sweepIdle() {
        long idle = settings.clientIdle().toNanos();
        long now = System.nanoTime();
        synchronized (clients) {
            Iterator<Long> it = clients.values().iterator();
            while (it.hasNext()) {
                if (now - it.next() > idle) {
                    it.remove();
                } else {
                    break; // access order: the rest were active more recently
                }
            }
        }
        tcp.execute(() -> tcp.closeIdle(idle));
    }
}
