package io.sipfleet.simulator.tls;

import io.sipfleet.device.FirmwareProfile;
import io.sipfleet.device.config.LineConfig;
import io.sipfleet.device.event.PhoneEvent;
import io.sipfleet.device.time.SipTimers;
import io.sipfleet.simulator.fleet.Fleet;
import io.sipfleet.simulator.fleet.FleetManager;
import io.sipfleet.simulator.fleet.FleetSpec;
import io.sipfleet.simulator.fleet.PhoneHandle;
import io.sipfleet.simulator.runtime.ShardedScheduler;
import io.sipfleet.simulator.testing.EventLog;
import io.sipfleet.simulator.sip.JainSipSignalling;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.util.List;
import java.util.Optional;
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
    private final EventLog log = new EventLog();
    private int fleetNo;

    TlsRig(long t1) throws Exception {
        timers = new SipTimers(t1);
        sip = new JainSipSignalling(new JainSipSignalling.Settings("127.0.0.1", freePortPair("127.0.0.1"), 4,
                Math.max(1_000, 15 * t1), "sipfleet-tls-test"), shards::executorFor);
        fleets = new FleetManager(shards, sip, timers, log, 7, 1_000);
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
        return log.events(phone);
    }

    List<PhoneEvent> fleetEvents(String fleet) {
        return log.fleetEvents(fleet);
    }

    void forget(String fleet) {
        log.forget(fleet);
    }

    /** Waits for the phone's first event of {@code type} matching {@code p}, at most {@code timeoutMs}. */
    <E extends PhoneEvent> E await(PhoneHandle phone, Class<E> type, Predicate<E> p, long timeoutMs) {
        return log.await(phone, type, p, timeoutMs);
    }

    <E extends PhoneEvent> Optional<E> find(PhoneHandle phone, Class<E> type, Predicate<E> p) {
        return log.find(phone, type, p);
    }

    <E extends PhoneEvent> E await(PhoneHandle phone, Class<E> type, long timeoutMs) {
        return await(phone, type, e -> true, timeoutMs);
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
