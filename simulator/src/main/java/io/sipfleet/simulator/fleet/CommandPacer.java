package io.sipfleet.simulator.fleet;

import io.sipfleet.device.Phone;
import io.sipfleet.simulator.runtime.AdaptiveRate;
import java.util.ArrayDeque;
import java.util.List;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.function.Supplier;

/**
 * Carries a fleet's commands out in the order they came, each on every phone it is for, paced: a
 * fleet-wide command (a mass re-registration of 100,000 phones, say) is handed to the phones as fast
 * as the simulator keeps up ({@link AdaptiveRate}), and a command that comes meanwhile, for the fleet or
 * for one of its phones, waits its turn. Each phone's part runs on its shard's control lane, so that
 * parts for one phone run in the order of their commands.
 */
final class CommandPacer {
    private static final long TICK_MS = 10;
    private final ScheduledExecutorService pacer;
    private final Supplier<AdaptiveRate> rates;
    private final ArrayDeque<Item> queue = new ArrayDeque<>();
    private Item current;
    private ScheduledFuture<?> ticker;

    private static final class Item {
        final List<PhoneHandle> phones;
        final Consumer<Phone> action;
        final AdaptiveRate rate;
        int released;

        Item(List<PhoneHandle> phones, Consumer<Phone> action, AdaptiveRate rate) {
            this.phones = phones;
            this.action = action;
            this.rate = rate;
        }
    }

    CommandPacer(ScheduledExecutorService pacer, Supplier<AdaptiveRate> rates) {
        this.pacer = pacer;
        this.rates = rates;
    }

    /** Queues a command for these phones. */
    synchronized void submit(List<PhoneHandle> phones, Consumer<Phone> action) {
        submit(phones, action, rates.get());
    }

    /** Queues a command for these phones, handed out at {@code rate}. */
    synchronized void submit(List<PhoneHandle> phones, Consumer<Phone> action, AdaptiveRate rate) {
        queue.add(new Item(List.copyOf(phones), action, rate));
        if (ticker == null) {
            ticker = pacer.scheduleAtFixedRate(this::tick, 0, TICK_MS, TimeUnit.MILLISECONDS);
        }
    }

    /**
     * A command for one phone: on its shard's control lane at once when no fleet command is still being
     * handed out, otherwise after it.
     *
     * @return false when the pacer is idle and the caller should run it directly
     */
    synchronized boolean submitIfBusy(PhoneHandle phone, Consumer<Phone> action) {
        if (current == null && queue.isEmpty()) {
            return false;
        }
        submit(List.of(phone), action);
        return true;
    }

    private synchronized void tick() {
        long now = System.nanoTime();
        while (true) {
            if (current == null) {
                current = queue.poll();
                if (current == null) {
                    ticker.cancel(false);
                    ticker = null;
                    return;
                }
            }
            Item c = current;
            int n = Math.min(c.rate.permits(now), c.phones.size() - c.released);
            for (int i = 0; i < n; i++) {
                PhoneHandle h = c.phones.get(c.released++);
                h.shard().control(() -> c.action.accept(h.phone()));
            }
            if (c.released < c.phones.size()) {
                return; // the rest on the next tick
            }
            current = null;
        }
    }

    /** Drops every command not yet handed out (the fleet is being deleted). */
    synchronized void cancel() {
        queue.clear();
        current = null;
    }

    /** Phones whose part of a queued command is not yet handed to their shard. */
    synchronized int pending() {
        int n = current == null ? 0 : current.phones.size() - current.released;
        for (Item i : queue) {
            n += i.phones.size();
        }
        return n;
    }
}
