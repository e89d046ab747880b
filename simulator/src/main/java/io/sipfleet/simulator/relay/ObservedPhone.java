package io.sipfleet.simulator.relay;

import io.sipfleet.device.Outputs.CallState;
import io.sipfleet.device.Outputs.LineState;
import io.sipfleet.device.event.PhoneEvent;
import io.sipfleet.device.event.ServerFailure;
import io.sipfleet.device.event.ServerRef;
import io.sipfleet.simulator.fleet.FleetEvent;
import io.sipfleet.simulator.fleet.ObservablePhone;
import io.sipfleet.simulator.fleet.PhoneHandle;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.LongSupplier;

/**
 * A real phone (or any SIP client) behind one or more fault relays, as its traffic shows it: where it is registered,
 * its REGISTER / INVITE / BYE instants per server, and the §12 events that can be read off the wire. Fed by
 * {@link ObservedPhones}; read by lists and the scenario runner. Thread-safe (one lock per phone; nothing waits on
 * I/O). Bounded: {@value #MAX_EVENTS} events, {@value #MAX_WIRE} wire entries, {@value #MAX_TRANSACTIONS}
 * transactions remembered (oldest forgotten first; how many events were forgotten is counted).
 *
 * <h2>What is read off the wire (README "Relay phones")</h2>
 * A server is a relay's upstream, named by its role ({@code primary}, {@code backup}) or {@code host:port}. Its
 * <em>home</em> server (Server1) is the first server it sent a REGISTER to, or the built-in {@code primary} as soon
 * as it uses it. Retransmissions (the same Call-ID, CSeq and method to the same server) are counted, not new.
 * <ul>
 *   <li>{@code registering} (trigger {@code wire}): its first REGISTER, or a REGISTER back to its home when it was
 *       registered nowhere;</li>
 *   <li>{@code failover} (from, to, request, reason): a new REGISTER goes to a server other than the one its last
 *       REGISTER went to, and not to its home; request and reason are those of its last unsuccessful transaction
 *       on the server it left: {@code timeout} (no final answer seen) or the status ({@code 503});</li>
 *   <li>{@code failback-probe}: a REGISTER to its home while registered on another server;
 *       {@code failback}: that home answers 200 OK;</li>
 *   <li>{@code registered} (server, expires): a 200 OK to a REGISTER with an expiry is delivered to it, on another
 *       server than before (or after its binding had run out): not repeated for a refresh;</li>
 *   <li>{@code call-placed}, {@code call-incoming}, {@code call-established}, {@code call-failed},
 *       {@code call-ended}: from INVITE, its final answer, and BYE, either way.</li>
 * </ul>
 * A message to the phone counts only when the relay delivered it (a fault may drop it); an answer the relay gave
 * in the server's place (a {@code respond} fault) counts as the server's. Its state: {@code registered} while its
 * last REGISTERs go to the server that last registered it and that binding has not run out; else
 * {@code registering} while a REGISTER is unanswered (for {@value #REGISTERING_MS} ms at most); else {@code failed}
 * when its last REGISTER was refused; else {@code unregistered}. Not observable: its display, LEDs, tone, hook,
 * keys, configuration, and {@code register-failed} (giving up is not on the wire).
 */
public final class ObservedPhone implements ObservablePhone {
    public static final int MAX_EVENTS = 256;
    public static final int MAX_WIRE = 64;
    public static final int MAX_TRANSACTIONS = 32;
    /** How long an unanswered REGISTER counts as registering: RFC 3261 Timer F at T1 = 500 ms. */
    public static final long REGISTERING_MS = 32_000;

    /** One message as the phone's wire list shows it. */
    public record WireEntry(long at, String relay, String server, boolean sent, String method, int status,
                            String callId, long cseq, boolean retransmission, boolean delivered) {}

    /** Requests per server and method: sends (retransmissions included), transactions, first and last send. */
    public record RequestStats(long sends, long transactions, long firstAt, long lastAt) {}

    /** What a view shows of an observed phone. */
    public record View(String id, String user, String aor, List<String> fleets, Map<String, String> addresses,
                       LineState state, String activeServer, String activeAddress, long expiresAt, String home,
                       CallState callState, long lastSeenAt, Map<String, Map<String, RequestStats>> requests,
                       List<WireEntry> wire, long eventsForgotten) {}

    private static final class Tx {
        final ServerRef server;
        final String method;
        final long firstAt;
        final int expires;
        int status;
        int sends = 1;

        Tx(ServerRef server, String method, long firstAt, int expires) {
            this.server = server;
            this.method = method;
            this.firstAt = firstAt;
            this.expires = expires;
        }
    }

    private final String id;
    private final String user;
    private final LongSupplier clockMs;
    private final Set<String> fleets = new LinkedHashSet<>();
    private final Map<String, String> addresses = new LinkedHashMap<>();
    private final LinkedHashMap<String, Tx> transactions = new LinkedHashMap<>();
    private final Map<String, Map<String, long[]>> requests = new TreeMap<>();
    private final ArrayDeque<PhoneEvent> events = new ArrayDeque<>();
    private final ArrayDeque<WireEntry> wire = new ArrayDeque<>();
    private long eventsForgotten;
    private ServerRef current;
    private ServerRef active;
    private ServerRef home;
    private long expiresAt;
    private int lastRefusal;
    private long lastSeenAt;
    private CallState call = CallState.IDLE;
    private String callId;
    private Tx lastRegister;

    ObservedPhone(String id, LongSupplier clockMs) {
        this.id = id;
        int at = id.indexOf('@');
        this.user = at > 0 ? id.substring(0, at) : null;
        this.clockMs = clockMs;
    }

    @Override
    public String id() {
        return id;
    }

    /** The AOR's user, or null when it is known by its address only. */
    public String user() {
        return user;
    }

    @Override
    public boolean drivable() {
        return false;
    }

    @Override
    public synchronized PhoneHandle.Brief brief() {
        LineState s = state(clockMs.getAsLong());
        return new PhoneHandle.Brief(s, s == LineState.REGISTERED ? active.role() : null, call);
    }

    /** Line 1 is the AOR it registers (another AOR of the same phone is another observed phone): others disabled. */
    @Override
    public PhoneHandle.Brief line(int n) {
        return n == 1 ? brief() : new PhoneHandle.Brief(LineState.DISABLED, null, brief().callState());
    }

    /** The relay fleets ({@code relay:{name}}) it was seen through. */
    public synchronized List<String> fleets() {
        return List.copyOf(fleets);
    }

    /** The fleet it was last seen through. */
    public synchronized String fleet() {
        String last = null;
        for (String f : fleets) {
            last = f;
        }
        return last;
    }

    public synchronized boolean inFleet(String fleet) {
        return fleets.contains(fleet);
    }

    /** Its events with {@code at >= sinceMs}, oldest first, as the runner and the API read a phone's events. */
    public synchronized List<FleetEvent> events(long sinceMs) {
        List<FleetEvent> out = new ArrayList<>();
        for (PhoneEvent e : events) {
            if (e.at() >= sinceMs) {
                out.add(new FleetEvent(e, false));
            }
        }
        return out;
    }

    public synchronized View view() {
        long now = clockMs.getAsLong();
        LineState s = state(now);
        Map<String, Map<String, RequestStats>> req = new TreeMap<>();
        requests.forEach((server, byMethod) -> {
            Map<String, RequestStats> m = new TreeMap<>();
            byMethod.forEach((method, v) -> m.put(method, new RequestStats(v[0], v[1], v[2], v[3])));
            req.put(server, m);
        });
        boolean on = s == LineState.REGISTERED;
        return new View(id, user, user == null ? null : id, List.copyOf(fleets), Map.copyOf(addresses), s,
                on ? active.role() : null, on ? active.address() : null, on ? expiresAt : 0,
                home == null ? null : home.role(), call, lastSeenAt, req, List.copyOf(wire), eventsForgotten);
    }

    synchronized long lastSeenAt() {
        return lastSeenAt;
    }

    /** The relay is gone: its fleet too. @return whether the phone is in no fleet any more */
    synchronized boolean forgetRelay(String relay) {
        fleets.remove(ObservedPhones.fleetOf(relay));
        addresses.remove(relay);
        return fleets.isEmpty();
    }

    // ------------------------------------------------------------------ observing

    synchronized void observe(String relay, ServerRef server, WireMessage m) {
        lastSeenAt = Math.max(lastSeenAt, m.atMs());
        String fleet = ObservedPhones.fleetOf(relay);
        fleets.remove(fleet);
        fleets.add(fleet); // last seen last
        addresses.put(relay, m.client() + "/" + m.transport());
        String key = (m.fromClient() == m.isRequest() ? "c|" : "s|") + server.role() + "|" + m.callId() + "|"
                + m.cseq() + "|" + m.method();
        Tx tx = transactions.get(key);
        boolean retransmission = m.isRequest() && tx != null;
        wire(new WireEntry(m.atMs(), relay, server.role(), m.fromClient(), m.method(), m.status(), m.callId(),
                m.cseq(), retransmission, m.delivered()));
        if (m.isRequest()) {
            if (m.fromClient()) {
                count(server.role(), m.method(), retransmission, m.atMs());
            }
            if (retransmission || "ACK".equals(m.method())) {
                if (tx != null) {
                    tx.sends++;
                }
                return;
            }
            tx = new Tx(server, m.method(), m.atMs(), m.expires());
            transactions.put(key, tx);
            if (m.fromClient() && "REGISTER".equals(m.method())) {
                lastRegister = tx;
            }
            if (transactions.size() > MAX_TRANSACTIONS) {
                Iterator<String> eldest = transactions.keySet().iterator();
                eldest.next();
                eldest.remove();
            }
            if (m.fromClient()) {
                clientRequest(server, m);
            } else {
                serverRequest(server, m);
            }
            return;
        }
        if (tx == null || tx.status >= 200 || (!m.fromClient() && !m.delivered())) {
            return; // not ours, a repeated final answer, or one the phone never got
        }
        if (m.status() < 200) {
            if (tx.status == 0) {
                tx.status = m.status();
            }
            return;
        }
        tx.status = m.status();
        if (m.fromClient()) {
            clientAnswer(server, m);
        } else {
            serverAnswer(server, m, tx);
        }
    }

    private void clientRequest(ServerRef server, WireMessage m) {
        long at = m.atMs();
        switch (m.method()) {
            case "REGISTER" -> registerSent(server, m);
            case "INVITE" -> {
                if (!m.toTagged()) {
                    call = CallState.CALLING;
                    callId = m.callId();
                    emit(new PhoneEvent.CallPlaced(id, 1, at, m.callId(), userOf(m.toAor()), server));
                }
            }
            case "BYE" -> {
                if (m.callId().equals(callId)) {
                    call = CallState.ENDING;
                }
            }
            default -> { }
        }
    }

    private void registerSent(ServerRef server, WireMessage m) {
        long at = m.atMs();
        if (home == null || "primary".equals(server.role()) && !"primary".equals(home.role())) {
            home = server;
        }
        if (current == null) {
            emit(new PhoneEvent.Registering(id, 1, at, m.callId(), server, "wire"));
        } else if (!same(server, current)) {
            boolean registeredElsewhere = active != null && !same(active, server) && at < expiresAt;
            if (same(server, home) && registeredElsewhere) {
                emit(new PhoneEvent.FailbackProbe(id, 1, at, m.callId(), server));
            } else if (!same(server, home)) {
                Tx failed = lastUnsuccessful(current, m.callId(), m.cseq());
                emit(new PhoneEvent.Failover(id, 1, at, m.callId(), current, server,
                        failed == null ? "REGISTER" : failed.method,
                        failed == null ? "none-seen" : failed.status == 0 || failed.status < 200 ? "timeout"
                                : Integer.toString(failed.status)));
            } else {
                emit(new PhoneEvent.Registering(id, 1, at, m.callId(), server, "wire"));
            }
        }
        current = server;
    }

    /** Its most recent transaction on {@code server} with no final success, other than the one just sent. */
    private Tx lastUnsuccessful(ServerRef server, String exceptCallId, long exceptCseq) {
        Tx found = null;
        for (Map.Entry<String, Tx> e : transactions.entrySet()) {
            Tx t = e.getValue();
            if (t.server != null && same(t.server, server) && !"ACK".equals(t.method) && (t.status < 200
                    || t.status >= 300 && t.status != 401 && t.status != 407)
                    && !e.getKey().endsWith("|" + exceptCallId + "|" + exceptCseq + "|REGISTER")) {
                found = t;
            }
        }
        return found;
    }

    private void serverAnswer(ServerRef server, WireMessage m, Tx tx) {
        long at = m.atMs();
        int st = m.status();
        switch (m.method()) {
            case "REGISTER" -> {
                if (st >= 200 && st < 300) {
                    if (tx.expires == 0) {
                        if (active != null && same(active, server)) {
                            active = null;
                        }
                    } else {
                        int granted = m.expires() > 0 ? m.expires() : tx.expires > 0 ? tx.expires : 3600;
                        registered(server, granted, at, m.callId());
                    }
                    lastRefusal = 0;
                } else if (st != 401 && st != 407) {
                    lastRefusal = st;
                }
            }
            case "INVITE" -> {
                if (!m.callId().equals(callId)) {
                    return;
                }
                if (st < 300) {
                    call = CallState.CONNECTED;
                    emit(new PhoneEvent.CallEstablished(id, 1, at, m.callId(), m.toAor(), server, false));
                } else if (st != 401 && st != 407) {
                    call = CallState.IDLE;
                    if (st == 487) {
                        emit(new PhoneEvent.CallEnded(id, 1, at, m.callId(), "cancelled"));
                    } else {
                        emit(new PhoneEvent.CallFailed(id, 1, at, m.callId(), "INVITE",
                                List.of(new ServerFailure(server, "INVITE", Integer.toString(st)))));
                    }
                }
            }
            case "BYE" -> {
                if (m.callId().equals(callId)) {
                    call = CallState.IDLE;
                    emit(new PhoneEvent.CallEnded(id, 1, at, m.callId(), "local-hangup"));
                }
            }
            default -> { }
        }
    }

    private void registered(ServerRef server, int granted, long at, String cid) {
        boolean moved = active == null || !same(active, server) || at >= expiresAt;
        if (moved && active != null && !same(active, server) && same(server, home)) {
            emit(new PhoneEvent.Failback(id, 1, at, cid, server, active));
        }
        active = server;
        current = server;
        expiresAt = at + granted * 1000L;
        if (moved) {
            emit(new PhoneEvent.Registered(id, 1, at, cid, server, granted));
        }
    }

    private void serverRequest(ServerRef server, WireMessage m) {
        long at = m.atMs();
        if ("INVITE".equals(m.method()) && !m.toTagged()) {
            call = CallState.RINGING;
            callId = m.callId();
            emit(new PhoneEvent.CallIncoming(id, 1, at, m.callId(), m.fromAor(), server));
        } else if ("BYE".equals(m.method()) && m.callId().equals(callId)) {
            call = CallState.ENDING;
        }
    }

    private void clientAnswer(ServerRef server, WireMessage m) {
        if (!m.callId().equals(callId)) {
            return;
        }
        long at = m.atMs();
        if ("INVITE".equals(m.method())) {
            if (m.status() < 300) {
                call = CallState.CONNECTED;
                emit(new PhoneEvent.CallEstablished(id, 1, at, m.callId(), m.fromAor(), server, true));
            } else {
                call = CallState.IDLE;
                emit(new PhoneEvent.CallEnded(id, 1, at, m.callId(), "rejected"));
            }
        } else if ("BYE".equals(m.method())) {
            call = CallState.IDLE;
            emit(new PhoneEvent.CallEnded(id, 1, at, m.callId(), "remote-hangup"));
        }
    }

    // ------------------------------------------------------------------ state

    private LineState state(long now) {
        if (active != null && same(active, current) && now < expiresAt) {
            return LineState.REGISTERED;
        }
        Tx t = lastRegister;
        if (t != null && (t.status < 200 || t.status == 401 || t.status == 407) && now - t.firstAt < REGISTERING_MS) {
            return LineState.REGISTERING;
        }
        if (lastRefusal != 0) {
            return LineState.FAILED;
        }
        return LineState.UNREGISTERED;
    }

    private static boolean same(ServerRef a, ServerRef b) {
        return a.role().equals(b.role());
    }

    private static String userOf(String aor) {
        if (aor == null) {
            return null;
        }
        int at = aor.indexOf('@');
        return at > 0 ? aor.substring(0, at) : aor;
    }

    private void count(String server, String method, boolean retransmission, long at) {
        long[] v = requests.computeIfAbsent(server, k -> new TreeMap<>()).computeIfAbsent(method,
                k -> new long[] {0, 0, at, at});
        v[0]++;
        if (!retransmission) {
            v[1]++;
        }
        v[3] = at;
    }

    private void wire(WireEntry e) {
        wire.addLast(e);
        if (wire.size() > MAX_WIRE) {
            wire.removeFirst();
        }
    }

    private void emit(PhoneEvent e) {
        events.addLast(e);
        if (events.size() > MAX_EVENTS) {
            events.removeFirst();
            eventsForgotten++;
        }
    }
}
