package io.sipfleet.simulator.tls;

import io.sipfleet.device.FirmwareProfile;
import io.sipfleet.device.config.LineConfig;
import io.sipfleet.device.event.PhoneEvent;
import io.sipfleet.device.event.PhoneListener;
import io.sipfleet.device.time.SipTimers;
import io.sipfleet.simulator.fleet.Fleet;
import io.sipfleet.simulator.fleet.FleetManager;
import io.sipfleet.simulator.fleet.FleetSpec;
import io.sipfleet.simulator.fleet.PhoneHandle;
import io.sipfleet.simulator.runtime.ShardedScheduler;
import io.sipfleet.simulator.sip.JainSipSignalling;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Predicate;
import java.util.function.UnaryOperator;

/**
 * Virtual phones on the real wire, as the wire scenarios run them (the sharded scheduler, the phones'
 * JAIN-SIP stack with UDP/TCP on a free loopback port and TLS on the next, a fleet manager), every
 * event recorded with its wall-clock {@code at}. Fleets take a complete line configuration, so a test
 * points a phone at a TLS port, or at a fake server, as it likes.
 */
final class TlsRig implements AutoCloseable {
    final SipTimers timers;
    private final ShardedScheduler shards = new ShardedScheduler(2);
    private final JainSipSignalling sip;
    private final FleetManager fleets;
    private final List<PhoneEvent> events = new CopyOnWriteArrayList<>();
    private int fleetNo;

    TlsRig(long t1) throws Exception {
        timers = new SipTimers(t1);
        sip = new JainSipSignalling(new JainSipSignalling.Settings("127.0.0.1", freePortPair("127.0.0.1"), 4,
                Math.max(1_000, 15 * t1), "sipfleet-tls-test"), shards::executorFor);
        fleets = new FleetManager(shards, sip, timers, new PhoneListener() {
            @Override
            public void onEvent(PhoneEvent e) {
                events.add(e);
            }
        }, 7, 1_000);
    }

    JainSipSignalling signalling() {
        return sip;
    }

    /** A fleet of {@code count} phones, users from {@code firstUser}, passwords "pw" + user, line 1 = {@code line}. */
    Fleet fleet(FirmwareProfile model, int count, long firstUser, boolean autoAnswer, LineConfig.Builder line) {
        return fleets.create(new FleetSpec("t" + (++fleetNo), model, count, firstUser, "pw{user}", "", 0, autoAnswer, 0,
                line.keepAliveInterval(0).registerRetryInterval(60).user("x")));
    }

    Fleet fleet(FirmwareProfile model, int count, long firstUser, boolean autoAnswer,
                UnaryOperator<LineConfig.Builder> line) {
        return fleet(model, count, firstUser, autoAnswer, line.apply(LineConfig.builder()));
    }

    List<PhoneEvent> events(String phone) {
        List<PhoneEvent> out = new ArrayList<>();
        for (PhoneEvent e : events) {
            if (e.phone().equals(phone)) {
                out.add(e);
            }
        }
        return out;
    }

    <E extends PhoneEvent> E await(PhoneHandle phone, Class<E> type, Predicate<E> p, long timeoutMs) {
        long deadline = System.currentTimeMillis() + timeoutMs;
        while (true) {
            Optional<E> e = find(phone, type, p);
            if (e.isPresent()) {
                return e.get();
            }
            if (System.currentTimeMillis() > deadline) {
                throw new AssertionError("no " + type.getSimpleName() + " from " + phone.id() + " within " + timeoutMs
                        + " ms; events: " + events(phone.id()));
            }
            try {
                Thread.sleep(2);
            } catch (InterruptedException ex) {
                Thread.currentThread().interrupt();
                throw new AssertionError("interrupted");
            }
        }
    }

    <E extends PhoneEvent> E await(PhoneHandle phone, Class<E> type, long timeoutMs) {
        return await(phone, type, e -> true, timeoutMs);
    }

    <E extends PhoneEvent> Optional<E> find(PhoneHandle phone, Class<E> type, Predicate<E> p) {
        for (PhoneEvent e : events) {
            if (e.phone().equals(phone.id()) && type.isInstance(e) && p.test(type.cast(e))) {
                return Optional.of(type.cast(e));
            }
        }
        return Optional.empty();
    }

    @Override
    public void close() {
        fleets.close();
        sip.close();
        shards.close();
    }

    /** A port free on {@code ip} for UDP and TCP whose next port is free for TCP too (TLS by convention). */
    static int freePortPair(String ip) {
        InetAddress address;
        try {
            address = InetAddress.getByName(ip);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        for (int attempt = 0; attempt < 200; attempt++) {
            try (ServerSocket tcp = new ServerSocket()) {
                tcp.setReuseAddress(false);
                tcp.bind(new InetSocketAddress(address, 0));
                int port = tcp.getLocalPort();
                if (port >= 65535) {
                    continue;
                }
                try (DatagramSocket udp = new DatagramSocket(null); ServerSocket next = new ServerSocket()) {
                    udp.setReuseAddress(false);
                    udp.bind(new InetSocketAddress(address, port));
                    next.setReuseAddress(false);
                    next.bind(new InetSocketAddress(address, port + 1));
                    return port;
                } catch (IOException taken) {
                    // try another one
                }
            } catch (IOException e) {
                throw new UncheckedIOException("cannot bind a TCP socket on " + ip, e);
            }
        }
        throw new IllegalStateException("no port pair free on " + ip + " after 200 attempts");
    }
}
