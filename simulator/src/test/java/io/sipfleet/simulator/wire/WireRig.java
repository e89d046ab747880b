package io.sipfleet.simulator.wire;

import io.sipfleet.device.FirmwareProfile;
import io.sipfleet.device.config.LineConfig;
import io.sipfleet.device.config.Transport;
import io.sipfleet.device.event.PhoneEvent;
import io.sipfleet.device.time.SipTimers;
import io.sipfleet.simulator.fleet.Fleet;
import io.sipfleet.simulator.fleet.FleetManager;
import io.sipfleet.simulator.fleet.FleetSpec;
import io.sipfleet.simulator.fleet.PhoneHandle;
import io.sipfleet.simulator.kamailio.KamailioPair;
import io.sipfleet.simulator.runtime.ShardedScheduler;
import io.sipfleet.simulator.testing.EventLog;
import io.sipfleet.simulator.sip.JainSipSignalling;
import io.sipfleet.simulator.sip.MalformedMessages;
import io.sipfleet.simulator.sip.PacketFaults;
import java.util.List;
import java.util.Optional;
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
    private final EventLog log = new EventLog();
    private int fleetNo;

    WireRig(long t1) throws Exception {
        timers = new SipTimers(t1);
        sip = new JainSipSignalling(new JainSipSignalling.Settings("127.0.0.1", KamailioPair.freePort("127.0.0.1"), 4,
                Math.max(1_000, 15 * t1), "sipfleet-test"), shards::executorFor);
        fleets = new FleetManager(shards, sip, timers, log, 7, 1_000);
        sip.faults().directory(id -> fleets.phone(id)
                .map(h -> new PacketFaults.PhoneRef(id, h.fleet(), h.model()))
                .orElse(new PacketFaults.PhoneRef(id, null, null)));
    }

    /** The network faults on the phones' side of the wire. */
    PacketFaults faults() {
        return sip.faults();
    }

    /** The malformed messages the phones' stack counted, by transport and peer. */
    MalformedMessages malformed() {
        return sip.malformed();
    }

    /** The phones' stack's address and SIP port (UDP and TCP). */
    String sipHost() {
        return sip.settings().bindAddress();
    }

    int sipPort() {
        return sip.settings().port();
    }

    /** As {@link #fleet}, under a name of one's own (a fleet of that name must not exist). */
    Fleet fleet(String name, RedundantPair pair, FirmwareProfile model, int count, long firstUser, Transport t,
                UnaryOperator<LineConfig.Builder> line) {
        return fleets.create(new FleetSpec(name, model, count, firstUser, "pw{user}", "", 0, false, 0,
                line.apply(line(pair, t))));
    }

    /** Line 1 on the pair: Server1 its primary, Server2 its backup, both over {@code t}; no keep-alives. */
    private static LineConfig.Builder line(RedundantPair pair, Transport t) {
        return LineConfig.builder().registerAddr(pair.host("primary")).registerPort(pair.port("primary"))
                .transport(t).backupAddr(pair.host("backup")).backupPort(pair.port("backup")).backupTransport(t)
                .keepAliveInterval(0).registerRetryInterval(60).user("x");
    }

    /** Deletes a fleet and waits until its phones are gone. */
    void delete(String fleet) {
        fleets.delete(fleet).ifPresent(f -> f.orTimeout(10, java.util.concurrent.TimeUnit.SECONDS).join());
    }

    /** A fleet of {@code count} phones on {@code pair}, users from {@code firstUser}, passwords "pw" + user. */
    Fleet fleet(RedundantPair pair, FirmwareProfile model, int count, long firstUser, Transport t, boolean autoAnswer,
                UnaryOperator<LineConfig.Builder> line) {
        return fleets.create(new FleetSpec("f" + (++fleetNo), model, count, firstUser, "pw{user}", "", 0, autoAnswer, 0,
                line.apply(line(pair, t))));
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
}
