package io.sipfleet.simulator.fleet;

import io.sipfleet.device.Phone;
import io.sipfleet.device.PhoneView;
import io.sipfleet.device.event.PhoneEvent;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Consumer;
import java.util.function.Function;

/**
 * A phone of a running fleet, for callers on other threads: every call into the phone runs on the
 * phone's own shard, so the device model is never entered concurrently.
 */
public final class PhoneHandle {
    private static final long CALL_TIMEOUT_MS = 5_000;
    private final String fleet;
    private final Phone phone;
    private final Executor executor;
    private final EventBuffer events;

    PhoneHandle(String fleet, Phone phone, Executor executor, EventBuffer events) {
        this.fleet = fleet;
        this.phone = phone;
        this.executor = executor;
        this.events = events;
    }

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

    public String model() {
        return phone.profile().name();
    }

    /**
     * Runs {@code f} on the phone's shard and waits for its result. An exception thrown by the phone
     * (an {@link io.sipfleet.device.InvalidInputException}, say) is rethrown here as it is.
     */
    public <T> T call(Function<Phone, T> f) {
        CompletableFuture<T> result = CompletableFuture.supplyAsync(() -> f.apply(phone), executor);
        try {
            return result.get(CALL_TIMEOUT_MS, TimeUnit.MILLISECONDS);
        } catch (ExecutionException | CompletionException e) {
            Throwable cause = e.getCause();
            if (cause instanceof RuntimeException re) {
                throw re;
            }
            throw new IllegalStateException(cause);
        } catch (TimeoutException e) {
            throw new IllegalStateException("phone " + id() + " did not answer within " + CALL_TIMEOUT_MS + " ms");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted");
        }
    }

    /** Runs {@code action} on the phone's shard and waits until it ran. */
    public void run(Consumer<Phone> action) {
        call(p -> {
            action.accept(p);
            return null;
        });
    }

    /** A fresh snapshot of what the phone shows. */
    public PhoneView view() {
        return call(Phone::view);
    }

    CompletableFuture<PhoneView> viewAsync() {
        return CompletableFuture.supplyAsync(phone::view, executor);
    }

    CompletableFuture<Void> runAsync(Consumer<Phone> action) {
        return CompletableFuture.runAsync(() -> action.accept(phone), executor);
    }

    /** Its recent events at or after {@code since} (simulation-clock ms), oldest first. */
    public List<PhoneEvent> events(long since) {
        return events.since(since);
    }
}
