package io.sipfleet.device.testing;

import io.sipfleet.device.FirmwareProfile;
import io.sipfleet.device.Phone;
import io.sipfleet.device.PhoneSettings;
import io.sipfleet.device.config.LineConfig;
import io.sipfleet.device.config.Transport;
import io.sipfleet.device.event.PhoneEvent;
import io.sipfleet.device.event.PhoneListener;
import io.sipfleet.device.sip.Method;
import io.sipfleet.device.time.SipTimers;
import io.sipfleet.device.time.VirtualScheduler;
import io.sipfleet.device.virtual.SipWorld;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.UnaryOperator;

/**
 * A test scenario on virtual time: a {@link VirtualScheduler}, a {@link SipWorld} with a primary
 * (127.0.0.2:5060) and a backup (127.0.0.3:5060) sharing accounts, and phones whose events are
 * recorded. Reads as the spec does: {@code sim.phone(V3).user("1001").powerOn()},
 * {@code sim.primary().mode(SILENT)}, {@code sim.advanceTo(39_500)}.
 */
public final class Sim {
    public static final String PRIMARY = "primary";
    public static final String BACKUP = "backup";
    public static final String PRIMARY_HOST = "127.0.0.2";
    public static final String BACKUP_HOST = "127.0.0.3";
    public static final String THIRD_HOST = "127.0.0.4";

    private final VirtualScheduler clock = new VirtualScheduler();
    private final SipWorld world = new SipWorld(clock);
    private final Map<String, List<PhoneEvent>> events = new HashMap<>();
    private final List<PhoneEvent> allEvents = new ArrayList<>();
    private SipTimers timers = SipTimers.DEFAULT;
    private boolean record = true;
    private PhoneListener extraListener = PhoneListener.NONE;

    public Sim() {
        world.addServer(PRIMARY, PRIMARY_HOST, 5060);
        world.addServer(BACKUP, BACKUP_HOST, 5060);
        for (int u = 1000; u < 1100; u++) {
            world.account(Integer.toString(u), "pw" + u);
        }
    }

    public Sim t1(long millis) {
        timers = new SipTimers(millis);
        return this;
    }

    public Sim recording(boolean on) {
        record = on;
        world.logging(on);
        return this;
    }

    public Sim listener(PhoneListener l) {
        extraListener = l;
        return this;
    }

    public VirtualScheduler clock() { return clock; }
    public SipWorld world() { return world; }
    public SipWorld.Server primary() { return world.server(PRIMARY); }
    public SipWorld.Server backup() { return world.server(BACKUP); }
    public long now() { return clock.now(); }

    public SipWorld.Server addThird() {
        return world.addServer("server3", THIRD_HOST, 5060);
    }

    public Sim advanceTo(long t) {
        clock.advanceTo(t);
        return this;
    }

    public Sim advanceBy(long ms) {
        clock.advanceBy(ms);
        return this;
    }

    /** Runs {@code action} at virtual instant {@code t} (scheduled; runs as the clock passes it). */
    public Sim at(long t, Runnable action) {
        clock.schedule(t - clock.now(), action);
        return this;
    }

    public PhoneBuilder phone(FirmwareProfile model) {
        return new PhoneBuilder(model);
    }

    public List<PhoneEvent> events(Phone p) {
        return events.getOrDefault(p.phoneId(), List.of());
    }

    public List<PhoneEvent> allEvents() {
        return allEvents;
    }

    @SuppressWarnings("unchecked")
    public <E extends PhoneEvent> List<E> events(Phone p, Class<E> type) {
        return (List<E>) events(p).stream().filter(type::isInstance).toList();
    }

    public <E extends PhoneEvent> E first(Phone p, Class<E> type) {
        return events(p, type).stream().findFirst()
                .orElseThrow(() -> new AssertionError("no " + type.getSimpleName() + " event in " + events(p)));
    }

    public List<Long> sendTimes(String server, Method m) {
        return world.sendTimes(server, m);
    }

    /** Builds a phone with line 1 on primary + backup (UDP, T1 of the sim) for user {@code user}. */
    public final class PhoneBuilder {
        private final FirmwareProfile model;
        private String id;
        private String user = "1001";
        private UnaryOperator<LineConfig.Builder> line = b -> b;
        private UnaryOperator<PhoneSettings> settings = s -> s;
        private boolean backup = true;
        private Transport transport = Transport.UDP;

        PhoneBuilder(FirmwareProfile model) {
            this.model = model;
        }

        public PhoneBuilder id(String v) { id = v; return this; }
        public PhoneBuilder user(String v) { user = v; return this; }
        public PhoneBuilder noBackup() { backup = false; return this; }
        public PhoneBuilder transport(Transport t) { transport = t; return this; }
        public PhoneBuilder line(UnaryOperator<LineConfig.Builder> f) { line = f; return this; }
        public PhoneBuilder settings(UnaryOperator<PhoneSettings> f) { settings = f; return this; }

        public LineConfig.Builder lineConfig() {
            LineConfig.Builder b = LineConfig.builder().registerAddr(PRIMARY_HOST).transport(transport).user(user)
                    .password("pw" + user);
            if (backup) {
                b.backupAddr(BACKUP_HOST).backupTransport(transport);
            }
            return line.apply(b);
        }

        /** The phone, configured, not yet powered on. */
        public Phone build() {
            String pid = id != null ? id : "phone-" + user;
            PhoneListener l = new PhoneListener() {
                @Override
                public void onEvent(PhoneEvent e) {
                    if (record) {
                        events.computeIfAbsent(e.phone(), k -> new ArrayList<>()).add(e);
                        allEvents.add(e);
                    }
                    extraListener.onEvent(e);
                }

                @Override
                public void onOutputsChanged(String phoneId) {
                    extraListener.onOutputsChanged(phoneId);
                }
            };
            Phone p = new Phone(pid, model, settings.apply(PhoneSettings.defaults(pid.hashCode()).withTimers(timers)),
                    clock, world, l);
            p.configureLine(1, lineConfig().build());
            return p;
        }

        /** The phone, powered on at the current instant (its first REGISTER goes out now). */
        public Phone powerOn() {
            Phone p = build();
            p.powerOn();
            clock.runDue();
            return p;
        }
    }
}
