package io.sipfleet.simulator.fleet;

import io.sipfleet.device.InvalidInputException;
import io.sipfleet.device.Phone;
import io.sipfleet.device.PhoneSettings;
import io.sipfleet.device.config.InvalidConfigException;
import io.sipfleet.device.config.LineConfig;
import io.sipfleet.device.event.PhoneEvent;
import io.sipfleet.device.event.PhoneListener;
import io.sipfleet.device.sip.SipSignalling;
import io.sipfleet.device.time.SipTimers;
import io.sipfleet.simulator.runtime.ShardedScheduler;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * Creates, finds and removes fleets of phones running on the sharded scheduler against one SIP
 * signalling adapter. Phones are powered on by the ramp (rampPerSecond) in the background; the
 * fleet's {@link Fleet#poweredOn()} shows the progress.
 */
public final class FleetManager implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger(FleetManager.class.getName());

    private final ShardedScheduler shards;
    private final SipSignalling signalling;
    private final SipTimers timers;
    private final PhoneListener listener;
    private final long seed;
    private final int eventsPerPhone;
    private final Map<String, Fleet> fleets = new ConcurrentHashMap<>();

    /**
     * @param listener       sees every event of every phone (MQTT, metrics), on the phone's shard
     * @param seed           seeds every phone's random source together with its id: runs repeat
     * @param eventsPerPhone how many recent events each phone keeps for GET /api/phones/{id}/events
     */
    public FleetManager(ShardedScheduler shards, SipSignalling signalling, SipTimers timers, PhoneListener listener,
                        long seed, int eventsPerPhone) {
        this.shards = shards;
        this.signalling = signalling;
        this.timers = timers;
        this.listener = listener == null ? PhoneListener.NONE : listener;
        this.seed = seed;
        this.eventsPerPhone = eventsPerPhone;
    }

    public SipTimers timers() {
        return timers;
    }

    /**
     * Creates a fleet and starts its ramp. Every phone's line is validated before any phone exists:
     * a refused fleet leaves nothing behind.
     *
     * @throws InvalidInputException   naming the bad field ({@code line.registerPort}, ...)
     * @throws FleetNameTakenException when the name is taken
     */
    public Fleet create(FleetSpec spec) {
        List<LineConfig> lines = new ArrayList<>(spec.count());
        try {
            for (int i = 1; i <= spec.count(); i++) {
                lines.add(spec.lineFor(i));
            }
        } catch (InvalidConfigException e) {
            throw new InvalidInputException("line." + e.field(), e.getMessage());
        }
        List<PhoneHandle> handles = new ArrayList<>(spec.count());
        Fleet fleet;
        synchronized (fleets) {
            if (fleets.containsKey(spec.name())) {
                throw new FleetNameTakenException(spec.name());
            }
            for (int i = 1; i <= spec.count(); i++) {
                String id = spec.phoneId(i);
                EventBuffer buffer = new EventBuffer(eventsPerPhone);
                PhoneSettings settings = new PhoneSettings(timers, PhoneSettings.DEFAULT_INTER_DIGIT_TIMEOUT_MS,
                        spec.autoAnswer(), spec.autoAnswerDelayMs(), seed * 31 + id.hashCode());
                Phone phone = new Phone(id, spec.model(), settings, shards.schedulerFor(id), signalling,
                        new PhoneListener() {
                            @Override
                            public void onEvent(PhoneEvent e) {
                                buffer.add(e);
                                listener.onEvent(e);
                            }

                            @Override
                            public void onOutputsChanged(String phoneId) {
                                listener.onOutputsChanged(phoneId);
                            }
                        });
                phone.configureLine(1, lines.get(i - 1)); // not yet powered: nothing is sent
                handles.add(new PhoneHandle(spec.name(), phone, shards.executorFor(id), buffer));
            }
            fleet = new Fleet(spec, handles, System.currentTimeMillis());
            fleets.put(spec.name(), fleet);
        }
        for (int i = 0; i < handles.size(); i++) {
            PhoneHandle h = handles.get(i);
            long delay = spec.rampPerSecond() == 0 ? 0 : (long) (i * 1000.0 / spec.rampPerSecond());
            shards.schedulerFor(h.id()).schedule(delay, () -> {
                if (fleets.get(spec.name()) == fleet) {
                    h.phone().powerOn(); // this task runs on the phone's own shard already
                    fleet.poweredOnOne();
                    int n = fleet.poweredOn();
                    if (n == handles.size() || n % 1000 == 0) {
                        LOG.log(System.Logger.Level.INFO, "fleet " + spec.name() + ": " + n + "/" + handles.size()
                                + " phones powered on");
                    }
                }
            });
        }
        return fleet;
    }

    /**
     * The password of {@code user} in the fleet that has that user, or null: lets the built-in
     * servers know every phone's account without a copy to keep in step.
     */
    public String passwordOf(String user) {
        long u;
        try {
            u = Long.parseLong(user);
        } catch (NumberFormatException e) {
            return null;
        }
        for (Fleet f : fleets.values()) {
            FleetSpec s = f.spec();
            if (u >= s.firstUser() && u < s.firstUser() + s.count()) {
                return s.password().replace("{user}", user);
            }
        }
        return null;
    }

    public Optional<Fleet> fleet(String name) {
        return Optional.ofNullable(fleets.get(name));
    }

    public Collection<Fleet> fleets() {
        return List.copyOf(fleets.values());
    }

    /** The phone with id {@code fleet-i}. */
    public Optional<PhoneHandle> phone(String id) {
        int dash = id == null ? -1 : id.lastIndexOf('-');
        if (dash <= 0) {
            return Optional.empty();
        }
        Fleet f = fleets.get(id.substring(0, dash));
        if (f == null) {
            return Optional.empty();
        }
        String n = id.substring(dash + 1);
        if (n.isEmpty() || n.length() > 9 || n.charAt(0) < '1' || n.charAt(0) > '9' || !n.chars().allMatch(Character::isDigit)) {
            return Optional.empty(); // ids are written one way only: no sign, no leading zeros ("f-01" is not "f-1")
        }
        int i = Integer.parseInt(n);
        return i <= f.phones().size() ? Optional.of(f.phones().get(i - 1)) : Optional.empty();
    }

    /**
     * Removes a fleet: every phone powers off (a registered line sends REGISTER Expires: 0 once), then,
     * after a grace of 64*T1 at most for those to be answered, the fleet is gone.
     *
     * @return completes when the fleet is removed; empty when there is no such fleet
     */
    public Optional<CompletableFuture<Void>> delete(String name) {
        Fleet f = fleets.get(name);
        if (f == null) {
            return Optional.empty();
        }
        List<CompletableFuture<Void>> offs = f.phones().stream().map(h -> h.runAsync(Phone::shutdown)).toList();
        long grace = Math.min(timers.transactionTimeout(), 4 * timers.t1() + 200);
        return Optional.of(CompletableFuture.allOf(offs.toArray(CompletableFuture[]::new))
                .thenCompose(v -> CompletableFuture.runAsync(() -> { },
                        CompletableFuture.delayedExecutor(grace, TimeUnit.MILLISECONDS)))
                .thenRun(() -> fleets.remove(name, f)));
    }

    @Override
    public void close() {
        for (Fleet f : fleets()) {
            delete(f.name()).ifPresent(CompletableFuture::join);
        }
    }
}
