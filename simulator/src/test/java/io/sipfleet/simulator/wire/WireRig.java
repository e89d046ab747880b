package io.sipfleet.simulator.wire;

import io.sipfleet.device.FirmwareProfile;
import io.sipfleet.device.config.LineConfig;
import io.sipfleet.device.config.Transport;
import io.sipfleet.device.event.PhoneEvent;
import io.sipfleet.device.event.PhoneListener;
import io.sipfleet.device.time.SipTimers;
import io.sipfleet.simulator.fleet.Fleet;
import io.sipfleet.simulator.fleet.FleetManager;
import io.sipfleet.simulator.fleet.FleetSpec;
import io.sipfleet.simulator.fleet.PhoneHandle;
import io.sipfleet.simulator.kamailio.KamailioPair;
import io.sipfleet.simulator.runtime.ShardedScheduler;
import io.sipfleet.simulator.sip.JainSipSignalling;
import io.sipfleet.simulator.sip.PacketFaults;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Predicate;
import java.util.function.UnaryOperator;

/**
 * Virtual phones on the real wire: the sharded scheduler, the phones' JAIN-SIP stack on a free
 * loopback port and a fleet manager, with every event recorded (its {@code at} is wall-clock ms).
 */
final class WireRig implements AutoCloseable {
    final SipTimers timers;
    private final ShardedScheduler shards = new ShardedScheduler(2);
    private final JainSipSignalling sip;
    private final FleetManager fleets;
    private final List<PhoneEvent> events = new CopyOnWriteArrayList<>();
    private int fleetNo;

    WireRig(long t1) throws Exception {
        timers = new SipTimers(t1);
        sip = new JainSipSignalling(new JainSipSignalling.Settings("127.0.0.1", KamailioPair.freePort("127.0.0.1"), 4,
                Math.max(1_000, 15 * t1), "sipfleet-test"), shards::executorFor);
        fleets = new FleetManager(shards, sip, timers, new PhoneListener() {
            @Override
            public void onEvent(PhoneEvent e) {
                events.add(e);
            }
        }, 7, 1_000);
        sip.faults().directory(id -> fleets.phone(id)
                .map(h -> new PacketFaults.PhoneRef(id, h.fleet(), h.model()))
                .orElse(new PacketFaults.PhoneRef(id, null, null)));
    }

    /** The network faults on the phones' side of the wire. */
    PacketFaults faults() {
        return sip.faults();
    }

    /** As {@link #fleet}, under a name of one's own (a fleet of that name must not exist). */
    Fleet fleet(String name, RedundantPair pair, FirmwareProfile model, int count, long firstUser, Transport t,
                UnaryOperator<LineConfig.Builder> line) {
        LineConfig.Builder b = LineConfig.builder().registerAddr(pair.host("primary")).registerPort(pair.port("primary"))
                .transport(t).backupAddr(pair.host("backup")).backupPort(pair.port("backup")).backupTransport(t)
                .keepAliveInterval(0).registerRetryInterval(60).user("x");
        return fleets.create(new FleetSpec(name, model, count, firstUser, "pw{user}", "", 0, false, 0, line.apply(b)));
    }

    /** Deletes a fleet and waits until its phones are gone. */
    void delete(String fleet) {
        fleets.delete(fleet).ifPresent(f -> f.orTimeout(10, java.util.concurrent.TimeUnit.SECONDS).join());
    }

    /** Every recorded event of the phones of {@code fleet} (ids {@code fleet-i}). */
    List<PhoneEvent> fleetEvents(String fleet) {
        List<PhoneEvent> out = new ArrayList<>();
        for (PhoneEvent e : events) {
            if (e.phone().startsWith(fleet + "-")) {
                out.add(e);
            }
        }
        return out;
    }

    /** Forgets the recorded events of {@code fleet}'s phones (before a fleet of the same name is made again). */
    void forget(String fleet) {
        events.removeIf(e -> e.phone().startsWith(fleet + "-"));
    }

    /** A fleet of {@code count} phones on {@code pair}, users from {@code firstUser}, passwords "pw" + user. */
    Fleet fleet(RedundantPair pair, FirmwareProfile model, int count, long firstUser, Transport t, boolean autoAnswer,
                UnaryOperator<LineConfig.Builder> line) {
        LineConfig.Builder b = LineConfig.builder().registerAddr(pair.host("primary")).registerPort(pair.port("primary"))
                .transport(t).backupAddr(pair.host("backup")).backupPort(pair.port("backup")).backupTransport(t)
                .keepAliveInterval(0).registerRetryInterval(60).user("x");
        return fleets.create(new FleetSpec("f" + (++fleetNo), model, count, firstUser, "pw{user}", "", 0, autoAnswer, 0,
                line.apply(b)));
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

    /** Waits for the phone's first event of {@code type} matching {@code p}, at most {@code timeoutMs}. */
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
}
