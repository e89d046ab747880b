package io.sipfleet.simulator.fleet;

import io.sipfleet.device.Outputs;
import io.sipfleet.device.Phone;
import io.sipfleet.device.PhoneView;
import io.sipfleet.simulator.runtime.TaskLoop;
import java.util.ArrayList;
import java.util.Collection;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Consumer;
import java.util.function.Function;

/**
 * A phone of a running fleet, for callers on other threads (the control plane). Calls into the phone
 * run on the phone's own shard, ahead of the phones' waiting work ({@link TaskLoop#control}), so the
 * device model is never entered concurrently and a command waits at most for the task running now.
 * What a list or a summary needs ({@link #brief()}) is kept up to date by the phone itself and read
 * without entering the shard at all.
 */
public final class PhoneHandle implements ObservablePhone {
    /** How long a caller waits for the phone's shard before it is told the phone is busy. */
    static final long CALL_TIMEOUT_MS = 750;
    private final String fleet;
    private final Phone phone;
    private final TaskLoop shard;
    private final EventBuffer events;
    private final Fleet.Counts counts;
    private final CommandPacer commands;
    private volatile Brief brief;

    /**
     * What the phone's lists and summaries show: line 1's state and active server (role), and the call state.
     */
    public record Brief(Outputs.LineState state, String activeServer, Outputs.CallState callState) {}

    PhoneHandle(String fleet, Phone phone, TaskLoop shard, EventBuffer events, Fleet.Counts counts,
                CommandPacer commands) {
        this.commands = commands;
        this.fleet = fleet;
        this.phone = phone;
        this.shard = shard;
        this.events = events;
        this.counts = counts;
        this.brief = briefOf(phone);
        counts.add(brief);
    }

    @Override
    public String id() {
        return phone.phoneId();
    }

    public String fleet() {
        return fleet;
    }

    /** The phone itself: only for code already running on its shard. */
    Phone phone() {
        return phone;
    }

    TaskLoop shard() {
        return shard;
    }

    public String model() {
        return phone.profile().name();
    }

    /** Its number of lines (fixed by the model). */
    public int lineCount() {
        return phone.lineCount();
    }

    /** Line 1's state and server and the call state, as of the phone's last change; never waits. */
    @Override
    public Brief brief() {
        return brief;
    }

    /** Line {@code n}'s: line 1's never waits; another line's asks the phone's shard ({@link #call}). */
    @Override
    public Brief line(int n) {
        return n == 1 ? brief : call(p -> new Brief(p.lineState(n), p.activeServer(n), p.callState()));
    }

    /** On the phone's shard, when what it shows changed: keeps the brief and the fleet's counts current. */
    void outputsChanged() {
        Brief b = briefOf(phone);
        Brief old = brief;
        if (!b.equals(old)) {
            brief = b;
            counts.move(old, b);
        }
    }

    /** On the shard, when the fleet is gone: takes the phone out of the counts. */
    void removed() {
        counts.remove(brief);
    }

    private static Brief briefOf(Phone p) {
        return new Brief(p.lineState(1), p.activeServer(1), p.callState());
    }

    /**
     * Runs {@code f} on the phone's shard ahead of its waiting work and waits for its result. An exception
     * thrown by the phone (an {@link io.sipfleet.device.InvalidInputException}, say) is rethrown here as it is.
     *
     * @throws PhoneBusyException when the shard did not get to it within {@value #CALL_TIMEOUT_MS} ms
     */
    public <T> T call(Function<Phone, T> f) {
        return await(callAsync(f));
    }

    /**
     * Runs {@code action} on the phone's shard ahead of its waiting work (after the fleet's earlier
     * commands still being handed out). Waits for it at most {@value #CALL_TIMEOUT_MS} ms; past that it
     * stays queued and runs when the shard gets to it.
     */
    public void command(Consumer<Phone> action) {
        if (commands.submitIfBusy(this, action)) {
            return; // after the fleet-wide commands still being handed out: commands run in the order they came
        }
        CompletableFuture<Object> f = callAsync(p -> {
            action.accept(p);
            return null;
        });
        try {
            await(f);
        } catch (PhoneBusyException e) {
            // queued: it runs as soon as the shard finishes the task it is on
        }
    }

    /** Runs {@code action} on the phone's shard and waits until it ran. */
    public void run(Consumer<Phone> action) {
        call(p -> {
            action.accept(p);
            return null;
        });
    }

    <T> CompletableFuture<T> callAsync(Function<Phone, T> f) {
        CompletableFuture<T> result = new CompletableFuture<>();
        shard.control(() -> {
            try {
                result.complete(f.apply(phone));
            } catch (Throwable t) {
                result.completeExceptionally(t);
            }
        });
        return result;
    }

    private <T> T await(CompletableFuture<T> result) {
        try {
            return result.get(CALL_TIMEOUT_MS, TimeUnit.MILLISECONDS);
        } catch (ExecutionException | CompletionException e) {
            Throwable cause = e.getCause();
            if (cause instanceof RuntimeException re) {
                throw re;
            }
            if (cause instanceof Error err) {
                throw err;
            }
            throw new IllegalStateException(cause);
        } catch (TimeoutException e) {
            throw new PhoneBusyException(id(), CALL_TIMEOUT_MS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted");
        }
    }

    /**
     * A fresh snapshot of what the phone shows.
     *
     * @throws PhoneBusyException when its shard did not answer in time
     */
    public PhoneView view() {
        return call(Phone::view);
    }

    private PhoneView snapshot() {
        return phone.view();
    }

    /**
     * Runs {@code f} on each of several phones, one control task per shard (a fleet's worth costs a few
     * hops, not one per phone), ahead of the phones' waiting work. Completes when every shard answered; an
     * exception thrown for one phone fails the whole.
     */
    static <T> CompletableFuture<Map<PhoneHandle, T>> callAllAsync(Collection<PhoneHandle> handles,
                                                                  Function<PhoneHandle, T> f) {
        Map<TaskLoop, List<PhoneHandle>> byShard = new IdentityHashMap<>();
        for (PhoneHandle h : handles) {
            byShard.computeIfAbsent(h.shard, k -> new ArrayList<>()).add(h);
        }
        List<CompletableFuture<List<T>>> parts = new ArrayList<>();
        List<List<PhoneHandle>> order = new ArrayList<>();
        for (Map.Entry<TaskLoop, List<PhoneHandle>> e : byShard.entrySet()) {
            CompletableFuture<List<T>> part = new CompletableFuture<>();
            List<PhoneHandle> hs = e.getValue();
            e.getKey().control(() -> {
                try {
                    List<T> out = new ArrayList<>(hs.size());
                    for (PhoneHandle h : hs) {
                        out.add(f.apply(h));
                    }
                    part.complete(out);
                } catch (Throwable t) {
                    part.completeExceptionally(t);
                }
            });
            parts.add(part);
            order.add(hs);
        }
        return CompletableFuture.allOf(parts.toArray(CompletableFuture[]::new)).thenApply(v -> {
            Map<PhoneHandle, T> out = new IdentityHashMap<>();
            for (int i = 0; i < parts.size(); i++) {
                List<T> vs = parts.get(i).join();
                List<PhoneHandle> hs = order.get(i);
                for (int j = 0; j < hs.size(); j++) {
                    out.put(hs.get(j), vs.get(j));
                }
            }
            return out;
        });
    }

    /**
     * Runs {@code f} on each phone (see {@link #callAllAsync}) and waits at most {@code timeoutMs}. An
     * exception thrown by the phone is rethrown as it is.
     *
     * @throws PhoneBusyException when the shards did not answer in time
     */
    public static <T> Map<PhoneHandle, T> callAll(Collection<PhoneHandle> handles, Function<Phone, T> f,
                                                  long timeoutMs) {
        try {
            return callAllAsync(handles, h -> f.apply(h.phone)).get(timeoutMs, TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            throw new PhoneBusyException(handles.size() + " phones", timeoutMs);
        } catch (ExecutionException e) {
            if (e.getCause() instanceof RuntimeException re) {
                throw re;
            }
            throw new IllegalStateException(e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted");
        }
    }

    /** Fresh snapshots of these phones (see {@link #callAllAsync}); waits at most {@code timeoutMs}. */
    public static Map<PhoneHandle, PhoneView> views(Collection<PhoneHandle> handles, long timeoutMs) {
        try {
            return callAllAsync(handles, PhoneHandle::snapshot).get(timeoutMs, TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            throw new PhoneBusyException(handles.size() + " phones", timeoutMs);
        } catch (ExecutionException e) {
            throw new IllegalStateException(e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted");
        }
    }

    CompletableFuture<Void> runAsync(Consumer<Phone> action) {
        return callAsync(p -> {
            action.accept(p);
            return null;
        }).thenApply(x -> null);
    }

    void forgetEvents() {
        events.clear();
    }

    /** Its recent events at or after {@code since} (simulation-clock ms), oldest first. */
    public List<FleetEvent> events(long since) {
        return events.since(since);
    }
}
