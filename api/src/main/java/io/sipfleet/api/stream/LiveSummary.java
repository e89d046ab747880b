package io.sipfleet.api.stream;

import com.fasterxml.jackson.annotation.JsonInclude;
import io.sipfleet.api.rest.FleetsResource;
import io.sipfleet.api.rest.ServersResource;
import io.sipfleet.simulator.Simulator;
import io.sipfleet.simulator.fleet.Fleet;
import io.sipfleet.simulator.runtime.OverloadMonitor;
import io.sipfleet.simulator.stream.RecentActivity;
import java.time.Instant;
import java.util.Comparator;
import java.util.List;
import java.util.Map;

/**
 * The live stream's {@code summary}: the fleets as {@code GET /api/fleets} gives them, the servers as
 * {@code GET /api/servers} does, the overload state and totals over every fleet. Built from the counts the
 * phones keep and what the servers count: it never looks at a phone, whatever the fleets' size.
 */
final class LiveSummary {
    private LiveSummary() {}

    /**
     * @param at              epoch ms
     * @param fleets          as {@code GET /api/fleets}
     * @param servers         as {@code GET /api/servers}, each with {@code requestsReceived} (all methods)
     * @param overloaded      the simulator is behind its own work
     * @param overloadedSince ISO-8601, while overloaded
     * @param totals          over every fleet
     */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    record Summary(long at, List<FleetsResource.FleetJson> fleets, List<Server> servers, boolean overloaded,
                   String overloadedSince, Totals totals) {}

    record Server(String name, String address, boolean builtin, String mode, Map<String, Long> requests,
                  long requestsReceived) {}

    /** Phones by line 1 state and server, calls, and failovers and failbacks of the last 60 s. */
    record Totals(int phones, int registered, int onPrimary, int onBackup, int onOther, int failed, int callsInProgress,
                  int failoversLastMinute, int failbacksLastMinute) {}

    static Summary of(Simulator simulator, RecentActivity activity, long nowMs) {
        OverloadMonitor overload = simulator.overload();
        List<Fleet> fleets = simulator.fleets().fleets().stream().sorted(Comparator.comparing(Fleet::name)).toList();
        int phones = 0, registered = 0, primary = 0, backup = 0, other = 0, failed = 0, calls = 0;
        for (Fleet f : fleets) {
            Fleet.Summary s = f.summary();
            phones += s.count();
            registered += s.byState().getOrDefault("registered", 0);
            failed += s.byState().getOrDefault("failed", 0);
            calls += s.callsInProgress();
            for (Map.Entry<String, Integer> e : s.byActiveServer().entrySet()) {
                switch (e.getKey()) {
                    case "primary" -> primary += e.getValue();
                    case "backup" -> backup += e.getValue();
                    default -> other += e.getValue();
                }
            }
        }
        List<Server> servers = ServersResource.servers(simulator).stream().map(s -> new Server(s.name(), s.address(),
                s.builtin(), s.mode(), s.requests(), s.requests().values().stream().mapToLong(Long::longValue).sum()))
                .toList();
        OverloadMonitor.Status st = overload == null ? null : overload.status();
        Long since = st == null ? null : st.since();
        return new Summary(nowMs, fleets.stream().map(f -> FleetsResource.FleetJson.of(f, overload)).toList(), servers,
                st != null && st.overloaded(), since == null ? null : Instant.ofEpochMilli(since).toString(),
                new Totals(phones, registered, primary, backup, other, failed, calls, activity.failoversLastMinute(),
                        activity.failbacksLastMinute()));
    }
}
