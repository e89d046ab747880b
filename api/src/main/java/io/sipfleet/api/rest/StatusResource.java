package io.sipfleet.api.rest;

import com.fasterxml.jackson.annotation.JsonInclude;
import io.sipfleet.simulator.Simulator;
import io.sipfleet.simulator.runtime.OverloadMonitor;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import java.time.Instant;
import java.util.List;
import java.util.Map;

/**
 * The simulator's own state (api.md "simulator status"): whether it is overloaded (since when, why), how
 * late it runs its own work, and what became of events on their way out. Reads what the watch keeps:
 * never waits for a phone.
 */
@Path("/api/status")
@Produces(MediaType.APPLICATION_JSON)
public class StatusResource {
    private final Simulator simulator;

    StatusResource(Simulator simulator) {
        this.simulator = simulator;
    }

    /**
     * @param overloaded      behind its own work: failovers and failures decided now carry {@code "overloaded": true}
     * @param overloadedSince ISO-8601, while overloaded
     * @param reasons         which part lagged how much (or how many datagrams the kernel dropped), this episode
     * @param lag             how late each kind of work runs (worst of the last second), the worst since start
     * @param episodes        times it became overloaded
     * @param markedEvents    events marked {@code overloaded} since start
     * @param eventsDropped   events dropped on their way to MQTT and metrics
     */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record Status(boolean overloaded, String overloadedSince, List<String> reasons, double thresholdMs,
                         Lag lag, long episodes, double overloadedSeconds, String lastOverloadedAt,
                         long receiveDrops, long markedEvents, long eventsDropped, int eventBacklog, long eventsRetained,
                         int fleets, int phones) {}

    /** Lags in ms: now (worst of the last second, overall and by kind) and the worst since start, where and when. */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record Lag(double currentMs, Map<String, Double> byKindMs, double maxMs, String maxSource, String maxAt) {}

    @GET
    public Status status() {
        OverloadMonitor.Status s = simulator.overload().status();
        var fleets = simulator.fleets();
        int phones = fleets.fleets().stream().mapToInt(f -> f.phones().size()).sum();
        return new Status(s.overloaded(), iso(s.since()), s.reasons(), s.thresholdMs(),
                new Lag(s.lagMs(), s.lagByKindMs(), s.maxLagMs(), s.maxLagSource(), iso(s.maxLagAt())),
                s.episodes(), Math.round(s.overloadedSeconds() * 1000) / 1000.0, iso(s.lastOverloadedAt()),
                s.receiveDrops(), s.markedEvents(), fleets.events().dropped(), fleets.events().backlog(),
                fleets.eventsRetained(), fleets.fleets().size(), phones);
    }

    private static String iso(Long epochMs) {
        return epochMs == null ? null : Instant.ofEpochMilli(epochMs).toString();
    }
}
