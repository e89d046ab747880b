package io.sipfleet.simulator.relay;

import io.sipfleet.device.event.ServerRef;
import io.sipfleet.simulator.fleet.ObservablePhone;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.LongSupplier;

/**
 * The real phones behind the fault relays, one {@link ObservedPhone} per client however many relays it uses: each
 * relay's {@link #tap} feeds the SIP it decided. Thread-safe; bounded ({@link #maxPhones} phones, the least recently
 * seen forgotten first; as many client addresses).
 *
 * <h2>Which messages are one phone (README "Relay phones")</h2>
 * A phone is the address-of-record it registers: the To URI of its REGISTER as {@code user@host}, the port and
 * parameters left out, the host in lower case. So a phone whose primary and backup are two relays of this
 * simulator (one host, two ports) is one phone whether its domain is a name or, as a phone without a domain
 * setting sends, the address it registers at. Its other messages are attributed by the address they come from
 * (the relay and the client's host:port, learnt from its REGISTER); a message from an address that never
 * registered is attributed by its AOR (From of its requests, To of requests for it), else to a phone named by
 * its {@code host:port}. Two lines of one phone are two observed phones; two phones with one AOR are one.
 */
public final class ObservedPhones {
    /** Phones kept at most, by default. */
    public static final int MAX_PHONES = 1024;

    private final LongSupplier clockMs;
    private final int maxPhones;
    private final LinkedHashMap<String, ObservedPhone> phones = new LinkedHashMap<>(64, 0.75f, true);
    private final LinkedHashMap<String, String> byAddress = new LinkedHashMap<>(64, 0.75f, true);
    private final LongAdder forgotten = new LongAdder();

    public ObservedPhones(LongSupplier clockMs) {
        this(clockMs, MAX_PHONES);
    }

    public ObservedPhones(LongSupplier clockMs, int maxPhones) {
        if (maxPhones < 1) {
            throw new IllegalArgumentException("maxPhones must be >= 1: " + maxPhones);
        }
        this.clockMs = clockMs;
        this.maxPhones = maxPhones;
    }

    /** A relay's clients' fleet: {@code relay:{name}}. */
    public static String fleetOf(String relay) {
        return "relay:" + relay;
    }

    /**
     * What relay {@code relay} tells of its messages.
     *
     * @param role     its upstream as the phones' events name the server: a built-in server's name, or host:port
     * @param upstream the upstream's host:port (the events' address, with the transport)
     */
    public WireMessage.Tap tap(String relay, String role, String upstream) {
        ServerRef udp = new ServerRef(role, upstream + "/UDP");
        ServerRef tcp = new ServerRef(role, upstream + "/TCP");
        return m -> observe(relay, "TCP".equals(m.transport()) ? tcp : udp, m);
    }

    void observe(String relay, ServerRef server, WireMessage m) {
        phone(relay, m).observe(relay, server, m);
    }

    private synchronized ObservedPhone phone(String relay, WireMessage m) {
        String address = relay + "|" + m.client();
        String id;
        if ("REGISTER".equals(m.method()) && m.fromClient() && m.isRequest()) {
            id = m.toAor() != null ? m.toAor() : m.client();
            byAddress.put(address, id);
            trim(byAddress);
        } else {
            id = byAddress.get(address);
            if (id == null) {
                String aor = m.fromClient() == m.isRequest() ? m.fromAor() : m.toAor();
                if ("REGISTER".equals(m.method())) {
                    aor = m.toAor();
                }
                id = aor != null ? aor : m.client();
            }
        }
        ObservedPhone p = phones.get(id);
        if (p == null) {
            p = new ObservedPhone(id, clockMs);
            phones.put(id, p);
            if (phones.size() > maxPhones) {
                trim(phones);
                forgotten.increment();
            }
        }
        return p;
    }

    private void trim(LinkedHashMap<String, ?> m) {
        if (m.size() > maxPhones) {
            Iterator<String> eldest = m.keySet().iterator();
            eldest.next();
            eldest.remove();
        }
    }

    /** The phone with that id. */
    public synchronized Optional<ObservedPhone> get(String id) {
        return Optional.ofNullable(phones.get(id));
    }

    /** The phones seen through that relay fleet ({@code relay:{name}}), or every phone for null; by id. */
    public List<ObservedPhone> fleet(String fleet) {
        List<ObservedPhone> all;
        synchronized (this) {
            all = new ArrayList<>(phones.values());
        }
        List<ObservedPhone> out = new ArrayList<>();
        for (ObservedPhone p : all) {
            if (fleet == null || p.inFleet(fleet)) {
                out.add(p);
            }
        }
        out.sort(java.util.Comparator.comparing(ObservablePhone::id));
        return out;
    }

    /** Phones forgotten to stay within the bound. */
    public long forgotten() {
        return forgotten.sum();
    }

    /** The relay was stopped: phones seen through it alone are forgotten. */
    public synchronized void forgetRelay(String relay) {
        phones.values().removeIf(p -> p.forgetRelay(relay));
        byAddress.keySet().removeIf(k -> k.startsWith(relay + "|"));
    }

    /** Forgets every phone. */
    public synchronized void clear() {
        phones.clear();
        byAddress.clear();
    }

    public synchronized int size() {
        return phones.size();
    }

    @Override
    public String toString() {
        return "ObservedPhones" + Map.of("phones", size());
    }
}
