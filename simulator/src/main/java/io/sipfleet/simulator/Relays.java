package io.sipfleet.simulator;

import io.sipfleet.device.InvalidInputException;
import io.sipfleet.faults.Packet;
import io.sipfleet.faults.PacketPolicy;
import io.sipfleet.faults.Verdict;
import io.sipfleet.simulator.relay.FaultRelay;
import io.sipfleet.simulator.relay.ObservedPhones;
import java.io.IOException;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.LongSupplier;

/**
 * The fault relays for physical phones, by name: a SIP relay a real desk phone is pointed at instead of
 * its server, with the simulator's faults applied to its packets. Its clients are the phones
 * {@code host:port} of fleet {@code relay:<name>} for fault selectors, and are observed on the wire as phones
 * ({@link #phones()}: one per AOR they register, across relays).
 */
public final class Relays implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger(Relays.class.getName());

    private final Map<String, FaultRelay> relays = new ConcurrentHashMap<>();
    private final AtomicInteger relayNo = new AtomicInteger();
    private final PacketPolicy faults;
    private final ServerResolver servers;
    private final LongSupplier clockMs;
    private final ObservedPhones phones;

    /** @param faults decides every relayed packet (scoped to the relay's fleet) */
    public Relays(PacketPolicy faults, ServerResolver servers, LongSupplier clockMs) {
        this.faults = faults;
        this.servers = servers;
        this.clockMs = clockMs;
        this.phones = new ObservedPhones(clockMs);
    }

    /** The relays' clients as phones, from the SIP they send and receive (README "Relay phones"). */
    public ObservedPhones phones() {
        return phones;
    }

    /** The fleet name a relay's clients have for fault selectors: {@code {"fleet":"relay:lab"}}. */
    public static String fleetOf(String relay) {
        return "relay:" + relay;
    }

    /**
     * Starts a fault relay on {@code listenHost:listenPort} (UDP and TCP; port 0 = any free) to
     * {@code upstream} (a built-in server's name or host:port).
     *
     * @param name empty or null: {@code relay-N}
     * @throws InvalidInputException    naming the field ({@code name}, {@code upstream}) for bad input
     * @throws NameTakenException       when the name is taken
     * @throws IOException              when it cannot listen
     * @throws IllegalArgumentException when the listen address is not one
     */
    public synchronized FaultRelay start(String name, String listenHost, int listenPort, String upstream)
            throws IOException {
        String id = name == null || name.isBlank() ? "relay-" + relayNo.incrementAndGet() : name;
        if (!id.matches("[A-Za-z0-9][A-Za-z0-9._-]{0,63}")) {
            throw new InvalidInputException("name", "a relay name is letters, digits, '.', '_' "
                    + "and '-', at most 64; got '" + id + "'");
        }
        if (relays.containsKey(id)) {
            throw new NameTakenException("a relay named '" + id + "' exists already; delete it first or choose "
                    + "another name");
        }
        String server = servers.resolve(upstream == null ? "" : upstream).orElseThrow(() ->
                new InvalidInputException("upstream", "upstream is a built-in server's name or "
                        + "a host:port that resolves; got '" + upstream + "'"));
        int colon = server.lastIndexOf(':');
        String fleet = fleetOf(id);
        PacketPolicy scoped = new PacketPolicy() {
            @Override
            public Verdict decide(Packet p, long nowMs) {
                return faults.decide(new Packet(p.flow(), p.protocol(), p.kind(), p.server(), p.phoneId(), fleet,
                        p.model(), p.method(), p.status()), nowMs);
            }

            @Override
            public boolean active() {
                return faults.active();
            }
        };
        // the server as its clients' events name it: the built-in server's name, else host:port
        String role = upstream.contains(":") ? server : upstream;
        FaultRelay r = FaultRelay.start(FaultRelay.Settings.of(listenHost, listenPort,
                server.substring(0, colon).replace("[", "").replace("]", ""),
                Integer.parseInt(server.substring(colon + 1))), scoped, clockMs, phones.tap(id, role, server));
        relays.put(id, r);
        LOG.log(System.Logger.Level.INFO, () -> String.format("fault relay %s on %s (UDP, TCP) to %s", id,
                r.listenAddress(), r.upstream()));
        return r;
    }

    /** The running relays by name. */
    public Map<String, FaultRelay> all() {
        return Collections.unmodifiableMap(relays);
    }

    /** @return whether it was there */
    public boolean stop(String name) {
        FaultRelay r = relays.remove(name);
        if (r != null) {
            r.close();
            phones.forgetRelay(name);
        }
        return r != null;
    }

    /** Stops every relay. @return how many there were */
    public int stopAll() {
        List<String> names = List.copyOf(relays.keySet());
        int n = 0;
        for (String r : names) {
            if (stop(r)) {
                n++;
            }
        }
        return n;
    }

    @Override
    public void close() {
        stopAll();
    }
}
