package io.sipfleet.simulator.fleet;

import io.sipfleet.device.PhoneView;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;

/** A running fleet: its definition and its phones. */
public final class Fleet {
    private final FleetSpec spec;
    private final List<PhoneHandle> phones;
    private final long createdAt;
    private final AtomicInteger poweredOn = new AtomicInteger();

    Fleet(FleetSpec spec, List<PhoneHandle> phones, long createdAt) {
        this.spec = spec;
        this.phones = List.copyOf(phones);
        this.createdAt = createdAt;
    }

    public FleetSpec spec() { return spec; }
    public String name() { return spec.name(); }
    public List<PhoneHandle> phones() { return phones; }
    public long createdAt() { return createdAt; }

    /** How many phones the ramp has powered on so far. */
    public int poweredOn() { return poweredOn.get(); }

    void poweredOnOne() { poweredOn.incrementAndGet(); }

    /** Counts of line 1 per state and per active server, from fresh snapshots of every phone. */
    public Summary summary() {
        List<CompletableFuture<PhoneView>> views = phones.stream().map(PhoneHandle::viewAsync).toList();
        Map<String, Integer> byState = new TreeMap<>();
        Map<String, Integer> byServer = new TreeMap<>();
        for (CompletableFuture<PhoneView> f : views) {
            PhoneView v = f.join();
            PhoneView.LineView l = v.line(1);
            byState.merge(l.state().name().toLowerCase(java.util.Locale.ROOT), 1, Integer::sum);
            if (l.activeServer() != null) {
                byServer.merge(l.activeServer(), 1, Integer::sum);
            }
        }
        return new Summary(phones.size(), poweredOn.get(), byState, byServer);
    }

    /** Line 1 of the fleet's phones by state and by active server. */
    public record Summary(int count, int poweredOn, Map<String, Integer> byState, Map<String, Integer> byActiveServer) {}
}
