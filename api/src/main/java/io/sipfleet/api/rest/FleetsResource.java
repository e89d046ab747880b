package io.sipfleet.api.rest;

import com.fasterxml.jackson.annotation.JsonInclude;
import io.sipfleet.simulator.Simulator;
import io.sipfleet.device.FirmwareProfile;
import io.sipfleet.device.InvalidInputException;
import io.sipfleet.device.config.LineConfig;
import io.sipfleet.simulator.fleet.Fleet;
import io.sipfleet.simulator.fleet.FleetSpec;
import io.sipfleet.simulator.runtime.OverloadMonitor;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.DELETE;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import java.net.URI;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletionStage;

/** Fleets (api.md): create with a ramp, list with counts per line state and per active server, delete. */
@Path("/api/fleets")
@Produces(MediaType.APPLICATION_JSON)
@Consumes(MediaType.APPLICATION_JSON)
public class FleetsResource {
    private final Simulator simulator;

    FleetsResource(Simulator simulator) {
        this.simulator = simulator;
    }

    /** POST body. */
    public record FleetRequest(String name, String model, Integer count, Long firstUser, String password,
                               String authUser, Double rampPerSecond, Boolean autoAnswer, Double autoAnswerDelay,
                               LineConfigJson line) {}

    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record FleetJson(String name, String model, int count, long firstUser, double rampPerSecond,
                            boolean autoAnswer, int poweredOn, Map<String, Integer> byState,
                            Map<String, Integer> byActiveServer, LineConfigJson line, Ramp ramp,
                            int commandsPending, String overloadedSince, List<String> warnings, Shard shard) {
        public static FleetJson of(Fleet f, OverloadMonitor overload) {
            List<String> warnings = f.warnings();
            FleetSpec s = f.spec();
            Fleet.Summary sum = f.summary();
            LineConfig.Builder masked = s.line().copy().user(s.user(1)).password(s.password().isEmpty() ? "" : "****")
                    .authUser(s.authUser());
            var r = f.ramp();
            Long since = overload == null ? null : overload.status().since();
            return new FleetJson(s.name(), s.model().name(), s.count(), s.firstUser(), s.rampPerSecond(),
                    s.autoAnswer(), sum.poweredOn(), sum.byState(), sum.byActiveServer(), LineConfigJson.of(masked),
                    new Ramp(r.requestedPerSecond(), Math.round(r.effectivePerSecond()), r.throttled(), r.finished()),
                    f.commandsPending(),
                    since == null ? null : java.time.Instant.ofEpochMilli(since).toString(),
                    warnings == null || warnings.isEmpty() ? null : warnings, Shard.of(f));
        }
    }

    /**
     * This instance's slice of a fleet shared by a cluster (absent on a single instance): {@code count} and the
     * counts above are the whole fleet's definition and this instance's phones respectively.
     *
     * @param index      this instance
     * @param of         instances sharing the fleet
     * @param firstPhone first phone index here (1-based)
     * @param lastPhone  last phone index here
     * @param phones     phones here
     */
    public record Shard(int index, int of, int firstPhone, int lastPhone, int phones) {
        static Shard of(Fleet f) {
            var s = f.shard();
            int n = f.spec().count();
            return s.clustered() ? new Shard(s.index(), s.count(), s.first(n), s.last(n), f.phones().size()) : null;
        }
    }

    /**
     * The power-on ramp: the rate asked for (0 = as fast as the simulator keeps up), the rate it ran at
     * over the last second, whether it is slower than asked because the simulator lagged, and whether
     * every phone is powered on.
     */
    public record Ramp(double requestedPerSecond, double effectivePerSecond, boolean throttled, boolean finished) {}

    @POST
    public Response create(FleetRequest body) {
        if (body == null) {
            throw new InvalidInputException(null, "a fleet definition is required");
        }
        if (body.model() == null) {
            throw new InvalidInputException("model", "model is required: one of V2, V3");
        }
        FirmwareProfile model = FirmwareProfile.byName(body.model()).orElseThrow(() ->
                new InvalidInputException("model", "unknown model '" + body.model() + "'; known: V2, V3"));
        if (body.count() == null) {
            throw new InvalidInputException("count", "count is required");
        }
        if (body.line() == null) {
            throw new InvalidInputException("line", "line is required, with at least registerAddr");
        }
        LineConfig.Builder line = body.line().applyTo(LineConfig.builder(), "line.");
        double delay = body.autoAnswerDelay() == null ? 0 : body.autoAnswerDelay();
        if (delay < 0 || delay > 3600) {
            throw new InvalidInputException("autoAnswerDelay", "autoAnswerDelay must be 0..3600 s, got " + delay);
        }
        FleetSpec spec = new FleetSpec(body.name(), model, body.count(),
                body.firstUser() == null ? 1001 : body.firstUser(), body.password(), body.authUser(),
                body.rampPerSecond() == null ? 0 : body.rampPerSecond(),
                Boolean.TRUE.equals(body.autoAnswer()), (long) (delay * 1000), line);
        Fleet f = simulator.fleets().create(spec);
        return Response.created(URI.create("/api/fleets/" + f.name())).entity(FleetJson.of(f, simulator.overload())).build();
    }

    @GET
    public List<FleetJson> list() {
        return simulator.fleets().fleets().stream().sorted(java.util.Comparator.comparing(Fleet::name))
                .map(f -> FleetJson.of(f, simulator.overload())).toList();
    }

    @GET
    @Path("{name}")
    public FleetJson get(@PathParam("name") String name) {
        return FleetJson.of(fleet(name), simulator.overload());
    }

    @DELETE
    @Path("{name}")
    public CompletionStage<Response> delete(@PathParam("name") String name) {
        return simulator.fleets().delete(name).orElseThrow(() -> new NotFound("no fleet named '" + name + "'"))
                .thenApply(v -> Response.noContent().build());
    }

    private Fleet fleet(String name) {
        return simulator.fleets().fleet(name).orElseThrow(() -> new NotFound("no fleet named '" + name + "'"));
    }
}
