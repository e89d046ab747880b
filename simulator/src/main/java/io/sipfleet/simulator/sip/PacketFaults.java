package io.sipfleet.simulator.sip;

import gov.nist.javax.sip.message.SIPMessage;
import gov.nist.javax.sip.message.SIPRequest;
import gov.nist.javax.sip.message.SIPResponse;
import gov.nist.javax.sip.parser.StringMsgParser;
import io.sipfleet.faults.Packet;
import io.sipfleet.faults.PacketPolicy;
import io.sipfleet.faults.Protocol;
import io.sipfleet.faults.Verdict;
import java.io.IOException;
import java.net.ConnectException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import java.util.function.LongSupplier;
import javax.sip.header.RetryAfterHeader;
import javax.sip.header.ToHeader;

/**
 * Network faults applied to the real packets of one SIP stack, on the phones' side of the wire: the
 * {@link PacketPolicy} (in the product, the fault engine) decides, this carries the verdict out. So the
 * same faults work against the built-in servers and against any external server, without root.
 *
 * <p>Where each verdict is carried out:
 * <ul>
 *   <li>UDP, both ways, per datagram (retransmissions included), in {@link FaultingDatagramSocket}: drop;
 *       delay and duplicate (re-sent, or re-delivered to the stack, later); {@code respond}: the request is
 *       not sent and the response is delivered to the stack as if the server had sent it; {@code
 *       unreachable}: not sent, and the phones' ICMP path is told the server's port is closed.</li>
 *   <li>TCP, per SIP message (one write of the stack), in {@link FaultingSocket}: to the server: drop,
 *       delay (the connection's later messages wait behind it, as on a real stream), {@code respond} as
 *       for UDP but delivered through the connection's own input, {@code unreachable} and {@code tcp-reset}:
 *       the connection is reset (RST); from the server: drop, delay; connects ({@link #beforeConnect}):
 *       {@code unreachable} refuses, {@code tcp-connect-timeout} blocks for the stack's connect timeout
 *       and fails like a SYN into a black hole.</li>
 *   <li>TLS: as TCP: connects refused or timed out; the plaintext messages to the server, above the
 *       encryption, in {@link FaultingSslSocket}; messages from the server after parsing, in {@link FaultValve}.</li>
 * </ul>
 * Duplicates make no sense on a TCP stream (TCP removes them) and pass untouched there.
 *
 * <p>JAIN-SIP creates its network layer by class name; the layer finds this object by the stack's name
 * ({@link #register}). With no policy or an inactive one, nothing is parsed: a datagram costs one
 * volatile read.
 */
public final class PacketFaults implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger(PacketFaults.class.getName());
    private static final Map<String, PacketFaults> BY_STACK = new ConcurrentHashMap<>();

    /** Who a packet belongs to, as the fault rules see phones. */
    public record PhoneRef(String id, String fleet, String model) {
        public static final PhoneRef UNKNOWN = new PhoneRef("?", null, null);
    }

    /** Tells a phone's fleet and model from its id (the fleet manager knows). */
    @FunctionalInterface
    public interface PhoneDirectory {
        PhoneRef phone(String id);
    }

    private final String stackName;
    private final LongSupplier clockMs;
    private final ScheduledExecutorService timer;
    private volatile PacketPolicy policy = PacketPolicy.NONE;
    private volatile PhoneDirectory directory = id -> new PhoneRef(id, null, null);
    /** The phone a request from a server is for (by its Request-URI), as the phones' stack routes it. */
    private volatile java.util.function.Function<SIPRequest, String> requestTarget = r -> null;
    /** Which phone sent the request of a Via branch: retransmissions and the server's responses are its. */
    private final Map<String, String> byBranch = java.util.Collections.synchronizedMap(
            new java.util.LinkedHashMap<>(1024, 0.75f, true) {
                @Override
                protected boolean removeEldestEntry(Map.Entry<String, String> eldest) {
                    return size() > MAX_BRANCHES;
                }
            });
    /** Bound on the branch memory: transactions in flight at once, with room to spare. */
    static final int MAX_BRANCHES = 100_000;
    private volatile Consumer<InetSocketAddress> onUnreachable = a -> { };
    private volatile long connectTimeoutMs = 8_000;
    private final ThreadLocal<String> sender = new ThreadLocal<>();
    private final ThreadLocal<Boolean> resetHere = new ThreadLocal<>();
    private volatile FaultingDatagramSocket udp;
    private final AtomicLong unparsable = new AtomicLong();

    private PacketFaults(String stackName, LongSupplier clockMs) {
        this.stackName = stackName;
        this.clockMs = clockMs;
        this.timer = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "sipfleet-faults-" + stackName);
            t.setDaemon(true);
            return t;
        });
    }

    /**
     * Makes the fault layer of the stack named {@code stackName} (call before the stack is created).
     *
     * @param clockMs the simulation clock the policy's times are on
     */
    public static PacketFaults register(String stackName, LongSupplier clockMs) {
        PacketFaults f = new PacketFaults(stackName, clockMs);
        BY_STACK.put(stackName, f);
        return f;
    }

    /** The fault layer of a stack, or null when it has none (the built-in servers' stacks). */
    static PacketFaults of(String stackName) {
        return stackName == null ? null : BY_STACK.get(stackName);
    }

    public void policy(PacketPolicy p) {
        this.policy = p == null ? PacketPolicy.NONE : p;
    }

    public PacketPolicy policy() {
        return policy;
    }

    /** Where phones' fleets and models come from (the fleet manager). */
    public void directory(PhoneDirectory d) {
        this.directory = d;
    }

    void requestTarget(java.util.function.Function<SIPRequest, String> f) {
        this.requestTarget = f;
    }

    void onUnreachable(Consumer<InetSocketAddress> c) {
        this.onUnreachable = c;
    }

    void connectTimeoutMs(long ms) {
        this.connectTimeoutMs = ms;
    }

    /** Messages the fault layer had to look into and could not parse (they pass untouched). */
    public long unparsable() {
        return unparsable.get();
    }

    boolean active() {
        return policy.active();
    }

    long now() {
        return clockMs.getAsLong();
    }

    ScheduledExecutorService timer() {
        return timer;
    }

    /**
     * Runs {@code r} with the phone {@code phoneId} as the sender: what the stack sends or connects from
     * this thread meanwhile is that phone's.
     */
    <T> T asSender(String phoneId, java.util.concurrent.Callable<T> r) throws Exception {
        String before = sender.get();
        sender.set(phoneId);
        try {
            return r.call();
        } finally {
            if (before == null) {
                sender.remove();
            } else {
                sender.set(before);
            }
        }
    }

    /** The stack whose fault layer this is. */
    String stackName() {
        return stackName;
    }

    /** The phone sending from this thread now ({@link #asSender}), or null. */
    String currentSender() {
        return sender.get();
    }

    private PhoneRef phone(String id) {
        return id == null ? PhoneRef.UNKNOWN : directory.phone(id);
    }

    /**
     * Whose message this is: the sending thread's phone, the phone of its branch, or the request's
     * target; unknown when that cannot be told (a message from a hostile peer must never make the fault
     * layer throw: a datagram would be lost before the stack parsed, answered or counted it).
     */
    private PhoneRef phoneOf(SIPMessage m, boolean toServer) {
        try {
            return findPhoneOf(m, toServer);
        } catch (RuntimeException e) {
            LOG.log(System.Logger.Level.DEBUG, () -> "fault layer cannot tell whose message this is: " + e);
            return PhoneRef.UNKNOWN;
        }
    }

    private PhoneRef findPhoneOf(SIPMessage m, boolean toServer) {
        String branch = m.getTopmostVia() == null ? null : m.getTopmostVia().getBranch();
        if (toServer) {
            String id = sender.get();
            if (id != null) {
                if (branch != null) {
                    byBranch.put(branch, id);
                }
                return phone(id);
            }
            return phone(branch == null ? null : byBranch.get(branch));
        }
        if (m instanceof SIPRequest q) {
            String id = requestTarget.apply(q);
            if (id != null && branch != null) {
                byBranch.put(branch, id); // the phone's answers carry the server's branch
            }
            return phone(id);
        }
        return phone(branch == null ? null : byBranch.get(branch));
    }

    void udpSocket(FaultingDatagramSocket s) {
        this.udp = s;
    }

    /** A fault reset the connection this thread was writing to. */
    void markReset() {
        resetHere.set(Boolean.TRUE);
    }

    /** Whether a fault reset a connection during this thread's send (and forgets it). */
    boolean takeReset() {
        boolean r = resetHere.get() != null;
        resetHere.remove();
        return r;
    }

    /**
     * Hands a message to the stack as if {@code from} had sent it (a response given in the server's
     * place). It arrives through the UDP socket: the stack matches a response to its transaction by
     * the Via branch, whatever the transport it came on.
     */
    void arrive(byte[] message, InetSocketAddress from) {
        FaultingDatagramSocket u = udp;
        if (u != null) {
            u.arrive(message, from, 0);
        } else {
            LOG.log(System.Logger.Level.WARNING, "stack " + stackName + " has no UDP socket: a fault response is lost");
        }
    }

    // ---- decisions ------------------------------------------------------------------------------

    /**
     * A TCP/TLS connect about to be made from this thread: refused, timed out, or allowed.
     *
     * @throws ConnectException       {@code unreachable}: what a closed port gives
     * @throws SocketTimeoutException {@code tcp-connect-timeout}, after the stack's connect timeout
     */
    void beforeConnect(Protocol protocol, InetAddress address, int port) throws IOException {
        if (!active()) {
            return;
        }
        PhoneRef p = phone(sender.get());
        Verdict v = policy.decide(Packet.connect(protocol, hostPort(address, port), p.id(), p.fleet(), p.model()),
                now());
        if (v instanceof Verdict.Unreachable) {
            throw new ConnectException("Connection refused (fault " + ((Verdict.Unreachable) v).fault() + ")");
        }
        if (v instanceof Verdict.ConnectTimeout t) {
            try {
                Thread.sleep(connectTimeoutMs);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            throw new SocketTimeoutException("connect timed out (fault " + t.fault() + ")");
        }
    }

    /** The decision for one message of {@code bytes} between this stack and {@code server}; null: no fault. */
    Decision decide(Protocol protocol, boolean toServer, InetSocketAddress server, byte[] bytes, int offset,
                    int length) {
        if (!active()) {
            return null;
        }
        SIPMessage m = parse(bytes, offset, length);
        String hostPort = hostPort(server.getAddress(), server.getPort());
        Packet.Flow flow = toServer ? Packet.Flow.TO_SERVER : Packet.Flow.FROM_SERVER;
        Packet packet;
        if (m == null) {
            PhoneRef p = PhoneRef.UNKNOWN;
            packet = new Packet(flow, protocol, blank(bytes, offset, length) ? Packet.Kind.KEEPALIVE
                    : Packet.Kind.MESSAGE, hostPort, p.id(), null, null, null, 0);
        } else {
            PhoneRef p = phoneOf(m, toServer);
            String method = m instanceof SIPRequest q ? q.getMethod()
                    : m.getCSeq() != null ? m.getCSeq().getMethod() : null;
            int status = m instanceof SIPResponse r ? r.getStatusCode() : 0;
            packet = new Packet(flow, protocol, Packet.Kind.MESSAGE, hostPort, p.id(), p.fleet(), p.model(), method,
                    status);
        }
        Verdict v = policy.decide(packet, now());
        return v instanceof Verdict.Pass ? null : new Decision(v, m);
    }

    /** The decision for a message the stack has parsed (from a server over TCP/TLS); null: no fault. */
    Verdict decideParsed(Protocol protocol, InetSocketAddress server, SIPMessage m) {
        if (!active()) {
            return null;
        }
        PhoneRef p = phoneOf(m, false);
        String method = m instanceof SIPRequest q ? q.getMethod() : m.getCSeq() != null ? m.getCSeq().getMethod() : null;
        int status = m instanceof SIPResponse r ? r.getStatusCode() : 0;
        Verdict v = policy.decide(new Packet(Packet.Flow.FROM_SERVER, protocol, Packet.Kind.MESSAGE,
                hostPort(server.getAddress(), server.getPort()), p.id(), p.fleet(), p.model(), method, status), now());
        return v instanceof Verdict.Pass ? null : v;
    }

    /** A verdict, with the message it was about (null when it did not parse). */
    record Decision(Verdict verdict, SIPMessage message) {}

    /** The server is told unreachable (UDP): the phones' ICMP path takes it from here. */
    void unreachable(InetSocketAddress server) {
        // not from inside the stack's send: the failure terminates the very transaction that is sending
        schedule(() -> onUnreachable.accept(server), 0);
    }

    /**
     * The response {@code v} asks for, to {@code request}, as the server would send it; null when the
     * message is not a request that can be answered (an ACK, a response).
     */
    static byte[] response(SIPMessage request, Verdict.Respond v) {
        if (!(request instanceof SIPRequest q) || "ACK".equals(q.getMethod())) {
            return null;
        }
        try {
            SIPResponse r = q.createResponse(v.status(), v.reason());
            ToHeader to = (ToHeader) r.getHeader(ToHeader.NAME);
            if (to != null && to.getTag() == null) {
                to.setTag("fault" + Long.toHexString(System.nanoTime() & 0xffffffL));
            }
            if (v.retryAfterSeconds() != null) {
                RetryAfterHeader ra = new gov.nist.javax.sip.header.RetryAfter();
                ra.setRetryAfter(v.retryAfterSeconds());
                r.setHeader(ra);
            }
            return r.encodeAsBytes(q.getTopmostVia() != null ? q.getTopmostVia().getTransport() : "UDP");
        } catch (Exception e) {
            LOG.log(System.Logger.Level.DEBUG, "fault response to " + q.getFirstLine() + ": " + e);
            return null;
        }
    }

    private SIPMessage parse(byte[] bytes, int offset, int length) {
        if (blank(bytes, offset, length)) {
            return null;
        }
        byte[] b = offset == 0 && length == bytes.length ? bytes : java.util.Arrays.copyOfRange(bytes, offset,
                offset + length);
        try {
            return new StringMsgParser().parseSIPMessage(b, true, false, null);
        } catch (Exception e) {
            unparsable.incrementAndGet();
            LOG.log(System.Logger.Level.DEBUG, () -> "fault layer cannot parse a message: " + e + ": "
                    + new String(b, 0, Math.min(b.length, 80), StandardCharsets.UTF_8));
            return null;
        }
    }

    private static boolean blank(byte[] bytes, int offset, int length) {
        for (int i = offset; i < offset + length; i++) {
            byte c = bytes[i];
            if (c != '\r' && c != '\n' && c != ' ' && c != '\t' && c != 0) {
                return false;
            }
        }
        return true;
    }

    static String hostPort(InetAddress address, int port) {
        String h = address.getHostAddress();
        return (h.indexOf(':') >= 0 ? "[" + h + "]" : h) + ":" + port;
    }

    void schedule(Runnable r, long delayMs) {
        if (delayMs <= 0) {
            timer.execute(r);
        } else {
            timer.schedule(r, delayMs, TimeUnit.MILLISECONDS);
        }
    }

    @Override
    public void close() {
        BY_STACK.remove(stackName, this);
        timer.shutdownNow();
    }
}
