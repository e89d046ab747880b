package io.sipfleet.systemtests.bench;

import com.fasterxml.jackson.databind.JsonNode;
import io.sipfleet.systemtests.ServiceProcess;
import java.time.Duration;
import java.util.LinkedHashSet;
import java.util.Set;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * Polls {@code GET /api/status} once a second while a benchmark runs: the lag the service reports about itself
 * ({@code lag.maxMs}) and whether it ever said it was overloaded. The endpoint is being added in parallel; while
 * it answers 404 the watch says "not available".
 */
final class StatusWatch implements AutoCloseable {
    private final ServiceProcess svc;
    private final ScheduledExecutorService timer;
    private volatile boolean available;
    private volatile boolean answered;
    private volatile double maxLagMs = Double.NaN;
    private volatile boolean everOverloaded;
    private volatile String firstOverloadedSince;
    private final Set<String> reasons = new LinkedHashSet<>();
    private volatile int slowAnswers;
    private volatile int failures;
    private volatile double slowestMs;

    StatusWatch(ServiceProcess svc) {
        this.svc = svc;
        this.timer = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "status-watch");
            t.setDaemon(true);
            return t;
        });
        timer.scheduleWithFixedDelay(this::poll, 0, 1, TimeUnit.SECONDS);
    }

    private void poll() {
        long t0 = System.nanoTime();
        try {
            ServiceProcess.Response r = svc.rest().get("/api/status", Duration.ofSeconds(10));
            double ms = (System.nanoTime() - t0) / 1e6;
            slowestMs = Math.max(slowestMs, ms);
            if (ms > 1000) {
                slowAnswers++;
            }
            answered = true;
            if (r.status() != 200) {
                return;
            }
            available = true;
            JsonNode json = r.json();
            JsonNode max = json.path("lag").path("maxMs");
            if (max.isNumber()) {
                maxLagMs = Double.isNaN(maxLagMs) ? max.asDouble() : Math.max(maxLagMs, max.asDouble());
            }
            if (json.path("overloaded").asBoolean(false)) {
                everOverloaded = true;
                if (firstOverloadedSince == null) {
                    firstOverloadedSince = json.path("overloadedSince").asText(null);
                }
                synchronized (reasons) {
                    json.path("reasons").forEach(x -> reasons.add(x.isTextual() ? x.asText() : x.toString()));
                }
            }
        } catch (RuntimeException e) {
            failures++;
        }
    }

    /** "max lag N ms, overloaded: yes since ... (reasons) / never", or "not available". */
    String describe() {
        String control = String.format(java.util.Locale.ROOT, "; GET /api/status slowest answer %.0f ms, %d over 1 s, "
                + "%d failed", slowestMs, slowAnswers, failures);
        if (!available) {
            return (answered ? "not available (GET /api/status answers 404)" : "not available (no answer)") + control;
        }
        String over;
        synchronized (reasons) {
            over = everOverloaded ? "yes, first since " + firstOverloadedSince + ", reasons " + reasons : "never";
        }
        return String.format(java.util.Locale.ROOT, "max lag (lag.maxMs) %s ms; overloaded: %s", Report.fmt(maxLagMs, 1),
                over) + control;
    }

    @Override
    public void close() {
        timer.shutdownNow();
        try {
            timer.awaitTermination(15, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
