package io.sipfleet.device.virtual;

import io.sipfleet.device.sip.Credentials;
import io.sipfleet.device.sip.DigestChallenge;
import io.sipfleet.device.sip.InboundRequest;
import io.sipfleet.device.sip.Method;
import io.sipfleet.device.sip.OutboundRequest;
import io.sipfleet.device.sip.Purpose;
import io.sipfleet.device.sip.SipEndpoint;
import io.sipfleet.device.sip.SipResponse;
import io.sipfleet.device.sip.SipSignalling;
import io.sipfleet.device.sip.TransportFailure;
import io.sipfleet.device.time.Cancellable;
import io.sipfleet.device.time.Scheduler;
import io.sipfleet.device.time.SipTimers;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;

/**
 * An in-memory SIP network on virtual time: the client transaction layer (UDP retransmissions on the
 * RFC 3261 schedule, Timer B/F, TCP sent once) and a redundant pair (or more) of registrar + proxy
 * servers sharing accounts, registrations and dialogs, as a real primary/backup deployment does. Each
 * server's availability can be set at any instant: up, 503, 500, silent, down (UDP: ICMP port
 * unreachable; TCP: connection refused). What the network does to a message on its way (drop, delay,
 * duplicate, an answer in the server's place, ICMP) can be decided per message by {@link Faults}, and
 * a {@link Tap} hears what each server receives and accepts.
 *
 * <p>The device model's tests use it (with {@code testing.Sim}), and so does the simulator's
 * {@code clock: virtual} scenario mode: one implementation of the in-memory pair. Plain Java, no
 * threads, no I/O: every answer is a task on the given scheduler (after {@link #latency}), so a run
 * is deterministic.
 *
 * <p>Every packet a phone sends is logged with its instant (unless {@link #logging} is off), so tests
 * assert exact send times.
 */
public final class SipWorld implements SipSignalling {

    /** A server's availability. */
    public enum Mode {
        UP("up"), ERROR_503("503"), ERROR_500("500"), SILENT("silent"), DOWN("down");

        private final String label;

        Mode(String label) {
            this.label = label;
        }

        public String label() {
            return label;
        }

        public static Mode parse(String s) {
            for (Mode m : values()) {
                if (m.label.equalsIgnoreCase(s)) {
                    return m;
                }
            }
            throw new IllegalArgumentException("unknown mode " + s);
        }
    }

    /**
     * What the network does to one message between a phone and a server, decided when it is sent
     * (a retransmission is a message of its own).
     *
     * @param kind    what happens
     * @param delayMs {@link Kind#DELAY}: how much later it arrives; {@link Kind#DUPLICATE}: the copies' spacing
     * @param copies  {@link Kind#DUPLICATE}: copies after the original
     * @param status  {@link Kind#RESPOND}: the answer given in the server's place
     * @param reason  {@link Kind#RESPOND}: its reason phrase
     */
    public record Fate(Kind kind, long delayMs, int copies, int status, String reason) {
        public static final Fate PASS = new Fate(Kind.PASS, 0, 0, 0, null);

        public enum Kind {
            /** arrives untouched */
            PASS,
            /** never arrives */
            DROP,
            /** arrives later */
            DELAY,
            /** arrives, followed by copies */
            DUPLICATE,
            /** a request never reaches the server; the phone gets this answer instead */
            RESPOND,
            /** a closed port: ICMP port unreachable (UDP) or a refused connection (TCP) */
            UNREACHABLE
        }

        public static Fate drop() {
            return new Fate(Kind.DROP, 0, 0, 0, null);
        }

        public static Fate delay(long ms) {
            return new Fate(Kind.DELAY, ms, 0, 0, null);
        }

        public static Fate duplicate(int copies, long spacingMs) {
            return new Fate(Kind.DUPLICATE, spacingMs, copies, 0, null);
        }

        public static Fate respond(int status, String reason) {
            return new Fate(Kind.RESPOND, 0, 0, status, reason);
        }

        public static Fate unreachable() {
            return new Fate(Kind.UNREACHABLE, 0, 0, 0, null);
        }
    }

    /** Decides what the network does to each message (network faults); {@link #NONE} passes everything. */
    public interface Faults {
        Faults NONE = new Faults() {
            @Override
            public Fate toServer(OutboundRequest r, Server server, long now) {
                return Fate.PASS;
            }

            @Override
            public Fate fromServer(OutboundRequest r, Server server, int status, long now) {
                return Fate.PASS;
            }
        };

        /** A phone's request (its first send or a retransmission) on its way to {@code server}. */
        Fate toServer(OutboundRequest r, Server server, long now);

        /** The server's answer with {@code status} on its way back to the phone (RESPOND and UNREACHABLE: lost). */
        Fate fromServer(OutboundRequest r, Server server, int status, long now);
    }

    /** Hears what the servers get: for counting (a REGISTER rate per server), never changing anything. */
    public interface Tap {
        /** {@code server} received {@code r} (a first send, a retransmission, a copy) at {@code at}, whatever its mode. */
        default void received(Server server, OutboundRequest r, long at) {}

        /** {@code server} accepted a REGISTER with 200 OK at {@code at}. */
        default void accepted(Server server, OutboundRequest r, int expires, long at) {}
    }

    /** One packet a phone sent. */
    public record Packet(long at, String phone, int line, Method method, Purpose purpose, String server,
                         String callId, long cseq, boolean retransmission, boolean authorized, long requestId) {}

    /** A REGISTER a server accepted with 200 OK. */
    public record Accepted(long at, String phone, int line, String server, Purpose purpose, String callId, int expires) {}

    private final Scheduler scheduler;
    private final Map<String, Server> servers = new LinkedHashMap<>();
    private final Map<String, String> accounts = new HashMap<>();
    private final Map<String, Binding> location = new HashMap<>();
    private final Map<String, Dialog> dialogs = new HashMap<>();
    private final Map<TxKey, Tx> transactions = new HashMap<>();
    private final Map<String, Long> autoAnswerNumbers = new HashMap<>();
    private final List<Packet> packets = new ArrayList<>();
    private final List<Accepted> accepted = new ArrayList<>();
    private boolean logging = true;
    private Faults faults = Faults.NONE;
    private Tap tap = new Tap() {};
    private long latency;
    private long nonces;
    private long sent;

    public SipWorld(Scheduler scheduler) {
        this.scheduler = scheduler;
    }

    // ---- set-up ------------------------------------------------------------------------------

    public Server addServer(String name, String host, int port) {
        Server s = new Server(name, host, port);
        servers.put(s.hostPort(), s);
        return s;
    }

    public Server server(String name) {
        for (Server s : servers.values()) {
            if (s.name.equals(name)) {
                return s;
            }
        }
        throw new IllegalArgumentException("no server " + name);
    }

    public List<Server> servers() {
        return List.copyOf(servers.values());
    }

    /** An account both servers know (they share accounts). */
    public SipWorld account(String user, String password) {
        accounts.put(user, password);
        return this;
    }

    /** A number that rings for {@code ringMillis} and answers by itself (a test IVR). */
    public SipWorld autoAnswerNumber(String number, long ringMillis) {
        autoAnswerNumbers.put(number, ringMillis);
        return this;
    }

    /** One-way delay of every packet and answer (0 by default: answers come at the instant of the send). */
    public SipWorld latency(long millis) {
        this.latency = millis;
        return this;
    }

    /** What the network does to each message from now on ({@link Faults#NONE}: nothing). */
    public SipWorld faults(Faults f) {
        this.faults = f == null ? Faults.NONE : f;
        return this;
    }

    /** Who hears what the servers receive and accept. */
    public SipWorld tap(Tap t) {
        this.tap = t == null ? new Tap() {} : t;
        return this;
    }

    /** Off for scale runs: packets are counted, not kept. */
    public SipWorld logging(boolean on) {
        this.logging = on;
        return this;
    }

    // ---- what happened -------------------------------------------------------------------------

    public List<Packet> packets() {
        return List.copyOf(packets);
    }

    public List<Packet> packets(Predicate<Packet> p) {
        return packets.stream().filter(p).toList();
    }

    /** The instants at which {@code method} was sent to the server named {@code server}, retransmissions included. */
    public List<Long> sendTimes(String server, Method method) {
        return packets.stream().filter(p -> p.server.equals(server) && p.method == method).map(Packet::at).toList();
    }

    public List<Accepted> accepted() {
        return List.copyOf(accepted);
    }

    /** Packets sent in all (also when logging is off). */
    public long packetCount() {
        return sent;
    }

    /** Who holds the binding of {@code user} now, by server name, or null. */
    public String boundVia(String user) {
        Binding b = location.get(user);
        return b == null || b.expiresAt < scheduler.now() ? null : b.server;
    }

    /** REGISTER transactions of a phone's line in flight now (not answered, abandoned or timed out). */
    public long registersInFlight(String phone, int line, Predicate<Purpose> purposes) {
        return transactions.values().stream().filter(t -> t.alive && t.r.method() == Method.REGISTER
                && t.r.phoneId().equals(phone) && t.r.line() == line && purposes.test(t.r.purpose())).count();
    }

    // ---- the client transaction layer ------------------------------------------------------------

    private long nextSendLag;

    /**
     * The next request handed over leaves for the wire {@code millis} later (an adapter behind its own
     * work, a cold first send), and the phone is told when it left ({@code onSent}) and how late
     * ({@code onSentLate}: this adapter's tolerance is 0).
     */
    public SipWorld lagNextSend(long millis) {
        nextSendLag = millis;
        return this;
    }

    @Override
    public void send(OutboundRequest r) {
        long lag = nextSendLag;
        nextSendLag = 0;
        if (lag > 0) {
            scheduler.schedule(lag, () -> {
                r.listener().onSent(r, scheduler.now());
                r.listener().onSentLate(r, lag);
                wire(r);
            });
            return;
        }
        wire(r);
    }

    private void wire(OutboundRequest r) {
        log(r, false);
        Server server = serverAt(r.server());
        if (r.method() == Method.ACK) {
            return; // end to end, nothing to answer
        }
        Tx tx = new Tx(r, server);
        transactions.put(TxKey.of(r), tx);
        deliver(tx);
        SipTimers timers = new SipTimers(r.t1());
        if (!r.server().transport().reliable()) {
            scheduleRetransmission(tx, 1, timers); // Timer B/F is scheduled after the last retransmission
        } else {
            scheduleTimeout(tx, timers.transactionTimeout());
        }
    }

    /** Timer B/F, {@code delay} from now: one timer per transaction at a time (a fleet keeps fewer pending). */
    private void scheduleTimeout(Tx tx, long delay) {
        tx.timeout = scheduler.schedule(delay, () -> {
            if (tx.alive) {
                end(tx);
                tx.r.listener().onTimeout(tx.r);
            }
        });
    }

    /** The server at a line's server address, or null (a black hole): compared field by field, no string built. */
    private Server serverAt(io.sipfleet.device.config.ServerConfig c) {
        for (Server s : servers.values()) {
            if (s.port == c.port() && s.host.equals(c.address())) {
                return s;
            }
        }
        return servers.get(c.hostPort()); // another spelling of the address (an IPv6 literal in brackets)
    }

    private void scheduleRetransmission(Tx tx, int k, SipTimers timers) {
        boolean invite = tx.r.method().invite();
        long at = timers.retransmissionOffset(k, invite);
        long previous = timers.retransmissionOffset(k - 1, invite);
        if (at >= timers.transactionTimeout()) {
            scheduleTimeout(tx, timers.transactionTimeout() - previous);
            return;
        }
        long delay = at - previous;
        tx.retransmit = scheduler.schedule(delay, () -> {
            if (!tx.alive || invite && tx.provisional) {
                return;
            }
            log(tx.r, true);
            deliver(tx);
            scheduleRetransmission(tx, k + 1, timers);
        });
    }

    @Override
    public void abandon(OutboundRequest r) {
        Tx tx = transactions.get(TxKey.of(r));
        if (tx != null) {
            end(tx);
        }
    }

    private void end(Tx tx) {
        tx.alive = false;
        tx.retransmit.cancel();
        tx.timeout.cancel();
        transactions.remove(TxKey.of(tx.r));
    }

    private void log(OutboundRequest r, boolean retransmission) {
        sent++;
        if (logging) {
            Server s = serverAt(r.server());
            packets.add(new Packet(scheduler.now(), r.phoneId(), r.line(), r.method(), r.purpose(),
                    s == null ? r.server().hostPort() : s.name, r.callId(), r.cseq(), retransmission,
                    r.credentials() != null, r.id()));
        }
    }

    /** The request is on its way to the server (or what stands at its address): the network may fault it. */
    private void deliver(Tx tx) {
        Server s = tx.server;
        if (s == null) {
            return; // nobody there: a black hole
        }
        Fate f = faults == Faults.NONE ? Fate.PASS : faults.toServer(tx.r, s, scheduler.now());
        switch (f.kind()) {
            case PASS -> arrive(tx);
            case DROP -> { }
            case DELAY -> scheduler.schedule(f.delayMs(), () -> {
                if (tx.alive) {
                    arrive(tx);
                }
            });
            case DUPLICATE -> {
                arrive(tx);
                for (int i = 1; i <= f.copies(); i++) {
                    scheduler.schedule(i * f.delayMs(), () -> {
                        if (tx.alive) {
                            arrive(tx);
                        }
                    });
                }
            }
            case RESPOND -> answer(tx, SipResponse.of(f.status(), f.reason() == null ? "Fault" : f.reason()));
            case UNREACHABLE -> unreachable(tx);
        }
    }

    private void unreachable(Tx tx) {
        later(() -> {
            if (tx.alive) {
                end(tx);
                tx.r.listener().onTransportError(tx.r, tx.r.server().transport().reliable()
                        ? TransportFailure.TCP_REFUSED : TransportFailure.ICMP_UNREACHABLE);
            }
        });
    }

    /** The request reaches the server. */
    private void arrive(Tx tx) {
        Server s = tx.server;
        s.received.merge(tx.r.method(), 1, Integer::sum);
        tap.received(s, tx.r, scheduler.now());
        switch (s.mode) {
            case SILENT -> { }
            case DOWN -> unreachable(tx);
            case ERROR_503 -> answer(tx, SipResponse.of(503, "Service Unavailable"));
            case ERROR_500 -> answer(tx, SipResponse.of(500, "Server Internal Error"));
            case UP -> process(s, tx);
        }
    }

    private void answer(Tx tx, SipResponse response) {
        long delay = latency;
        if (faults != Faults.NONE && tx.server != null) {
            Fate f = faults.fromServer(tx.r, tx.server, response.status(), scheduler.now());
            switch (f.kind()) {
                case DROP, RESPOND, UNREACHABLE -> {
                    return; // lost on its way back: the phone retransmits (UDP) or waits for Timer B/F
                }
                case DELAY -> delay += f.delayMs();
                default -> { } // a duplicated answer is absorbed by the transaction
            }
        }
        scheduler.schedule(delay, () -> {
            if (!tx.alive) {
                return;
            }
            if (response.provisional()) {
                tx.provisional = true;
                if (tx.r.method().invite()) {
                    tx.timeout.cancel(); // Timer B runs in the Calling state only (RFC 3261 §17.1.1.2)
                }
            } else {
                end(tx);
            }
            tx.r.listener().onResponse(tx.r, response);
        });
    }

    private void later(Runnable r) {
        scheduler.schedule(latency, r);
    }

    // ---- the servers -------------------------------------------------------------------------

    private void process(Server s, Tx tx) {
        OutboundRequest r = tx.r;
        Integer forced = s.forced.get(r.method());
        if (forced != null) {
            answer(tx, SipResponse.of(forced, "Forced"));
            return;
        }
        switch (r.method()) {
            case REGISTER -> register(s, tx);
            case OPTIONS -> answer(tx, SipResponse.of(200, "OK"));
            case INVITE -> invite(s, tx);
            case CANCEL -> cancel(tx);
            case BYE -> bye(tx);
            default -> { }
        }
    }

    private boolean authorized(Tx tx, boolean proxy, String realm) {
        Credentials c = tx.r.credentials();
        if (c == null || c.challenge() == null || c.challenge().proxy() != proxy) {
            return false;
        }
        String pw = accounts.get(c.authUser());
        return pw != null && pw.equals(c.password()) && realm.equals(c.challenge().realm());
    }

    private SipResponse challenge(boolean proxy, String realm) {
        String nonce = Long.toHexString(++nonces);
        return proxy ? new SipResponse(407, "Proxy Authentication Required", -1, DigestChallenge.proxy(realm, nonce))
                : new SipResponse(401, "Unauthorized", -1, DigestChallenge.www(realm, nonce));
    }

    private void register(Server s, Tx tx) {
        OutboundRequest r = tx.r;
        String realm = r.domain();
        if (!authorized(tx, false, realm)) {
            answer(tx, challenge(false, realm));
            return;
        }
        Binding old = location.get(r.user());
        if (r.expires() == 0) {
            if (old != null && old.contactUser.equals(r.contactUser())) {
                location.remove(r.user());
            }
            answer(tx, new SipResponse(200, "OK", 0, null));
            return;
        }
        int granted = s.grantedExpires > 0 ? Math.min(s.grantedExpires, r.expires()) : r.expires();
        location.put(r.user(), new Binding(r.endpoint(), r.line(), r.server().index(), r.contactUser(), s.name,
                scheduler.now() + granted * 1000L));
        if (logging) {
            accepted.add(new Accepted(scheduler.now(), r.phoneId(), r.line(), s.name, r.purpose(), r.callId(), granted));
        }
        tap.accepted(s, r, granted, scheduler.now());
        answer(tx, new SipResponse(200, "OK", granted, null));
    }

    private void invite(Server s, Tx tx) {
        OutboundRequest r = tx.r;
        if (s.challengeInvites && !authorized(tx, true, r.domain())) {
            answer(tx, challenge(true, r.domain()));
            return;
        }
        Dialog existing = dialogs.get(r.callId());
        if (existing != null) {
            existing.callerTx = tx; // a retransmission or the INVITE sent on after failover
            return;
        }
        answer(tx, SipResponse.of(100, "Trying"));
        Binding callee = location.get(r.target());
        if (callee != null && callee.expiresAt >= scheduler.now()) {
            Dialog d = new Dialog(r.callId(), tx, r.endpoint(), r.line(), callee);
            dialogs.put(r.callId(), d);
            later(() -> callee.endpoint.onIncomingInvite(new InboundRequest(Method.INVITE, callee.line, r.callId(),
                    r.user(), r.displayName(), callee.serverIndex, d)));
            return;
        }
        Long ring = autoAnswerNumbers.get(r.target());
        if (ring != null) {
            Dialog d = new Dialog(r.callId(), tx, r.endpoint(), r.line(), null);
            dialogs.put(r.callId(), d);
            answer(tx, SipResponse.of(180, "Ringing"));
            d.autoAnswer = scheduler.schedule(ring, () -> {
                d.answered = true;
                answer(d.callerTx, SipResponse.of(200, "OK"));
            });
            return;
        }
        answer(tx, SipResponse.of(404, "Not Found"));
    }

    private void cancel(Tx tx) {
        answer(tx, SipResponse.of(200, "OK"));
        Dialog d = dialogs.get(tx.r.callId());
        if (d == null || d.answered) {
            return;
        }
        dialogs.remove(d.callId);
        d.autoAnswer.cancel();
        answer(d.callerTx, SipResponse.of(487, "Request Terminated"));
        if (d.callee != null) {
            later(() -> d.callee.endpoint.onIncomingCancel(new InboundRequest(Method.CANCEL, d.callee.line, d.callId,
                    tx.r.user(), "", d.callee.serverIndex, d)));
        }
    }

    private void bye(Tx tx) {
        Dialog d = dialogs.remove(tx.r.callId());
        if (d == null) {
            answer(tx, SipResponse.of(481, "Call/Transaction Does Not Exist"));
            return;
        }
        answer(tx, SipResponse.of(200, "OK"));
        boolean fromCaller = tx.r.endpoint() == d.caller;
        if (fromCaller && d.callee != null) {
            later(() -> d.callee.endpoint.onIncomingBye(new InboundRequest(Method.BYE, d.callee.line, d.callId,
                    tx.r.user(), "", d.callee.serverIndex, d)));
        } else if (!fromCaller) {
            later(() -> d.caller.onIncomingBye(new InboundRequest(Method.BYE, d.callerLine, d.callId, tx.r.user(), "",
                    -1, d)));
        }
    }

    /** The world's handle of the dialog with that Call-ID (to answer for a callee in a test), or null. */
    public Object dialogHandle(String callId) {
        return dialogs.get(callId);
    }

    /** A phone answers a request the world sent it. */
    @Override
    public void respond(InboundRequest request, int status) {
        if (request.method() != Method.INVITE || !(request.handle() instanceof Dialog d)) {
            return;
        }
        if (status == 200) {
            d.answered = true;
        } else if (status >= 300) {
            dialogs.remove(d.callId);
        }
        answer(d.callerTx, SipResponse.of(status, status == 180 ? "Ringing" : status == 200 ? "OK" : "Refused"));
    }

    // ---- state -------------------------------------------------------------------------------------

    /** A registrar + proxy of the redundant group. */
    public final class Server {
        private final String name;
        private final String host;
        private final int port;
        private Mode mode = Mode.UP;
        private boolean challengeInvites = true;
        private int grantedExpires = -1;
        private final Map<Method, Integer> forced = new HashMap<>();
        private final Map<Method, Integer> received = new HashMap<>();

        Server(String name, String host, int port) {
            this.name = name;
            this.host = host;
            this.port = port;
        }

        public String name() { return name; }
        public String host() { return host; }
        public int port() { return port; }
        public String hostPort() { return host + ":" + port; }
        public Mode mode() { return mode; }

        public Server mode(Mode m) {
            this.mode = m;
            return this;
        }

        /** Grants at most this expiry, whatever the phone asks for (the 200 OK's Expires wins, §6). */
        public Server grantExpires(int seconds) {
            this.grantedExpires = seconds;
            return this;
        }

        public Server challengeInvites(boolean on) {
            this.challengeInvites = on;
            return this;
        }

        /** Answers every {@code method} with {@code status} (e.g. REGISTER 403) while up; null clears it. */
        public Server force(Method method, Integer status) {
            if (status == null) {
                forced.remove(method);
            } else {
                forced.put(method, status);
            }
            return this;
        }

        public int received(Method m) {
            return received.getOrDefault(m, 0);
        }
    }

    /** Request ids are unique per phone only. */
    private record TxKey(String phone, long id) {
        static TxKey of(OutboundRequest r) {
            return new TxKey(r.phoneId(), r.id());
        }
    }

    private static final class Tx {
        final OutboundRequest r;
        final Server server;
        boolean alive = true;
        boolean provisional;
        Cancellable retransmit = Cancellable.NONE;
        Cancellable timeout = Cancellable.NONE;

        Tx(OutboundRequest r, Server server) {
            this.r = r;
            this.server = server;
        }
    }

    private record Binding(SipEndpoint endpoint, int line, int serverIndex, String contactUser, String server,
                           long expiresAt) {}

    private static final class Dialog {
        final String callId;
        Tx callerTx;
        final SipEndpoint caller;
        final int callerLine;
        final Binding callee;
        boolean answered;
        Cancellable autoAnswer = Cancellable.NONE;

        Dialog(String callId, Tx callerTx, SipEndpoint caller, int callerLine, Binding callee) {
            this.callId = callId;
            this.callerTx = callerTx;
            this.caller = caller;
            this.callerLine = callerLine;
            this.callee = callee;
        }
    }
}
