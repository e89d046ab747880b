package io.sipfleet.api.rest;

import com.fasterxml.jackson.annotation.JsonInclude;
import io.sipfleet.simulator.Simulator;
import io.sipfleet.device.InvalidInputException;
import io.sipfleet.faults.Direction;
import io.sipfleet.faults.Fault;
import io.sipfleet.faults.FaultSpec;
import io.sipfleet.faults.PhoneSelector;
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
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * Network faults (api.md, issue 4): applied on the phones' side of the wire to every packet that
 * matches, against the built-in servers and external ones alike.
 */
@Path("/api/faults")
@Produces(MediaType.APPLICATION_JSON)
@Consumes(MediaType.APPLICATION_JSON)
public class FaultsResource {
    private final Simulator simulator;

    FaultsResource(Simulator simulator) {
        this.simulator = simulator;
    }

    /**
     * POST body.
     *
     * @param phones    {@code "all"} (default), or one of {@code {"fleet":"name"}}, {@code {"ids":["f-1"]}},
     *                  {@code {"model":"V3"}}, {@code {"sample":10,"seed":7}} (a seeded 10% of the phones)
     * @param methods   SIP methods (a response counts under its CSeq method); absent: every packet
     * @param direction {@code to-server}, {@code from-server} or {@code both} (default: the type's)
     */
    public record FaultRequest(String name, String type, String target, Object phones, List<String> methods,
                               String direction, Double probability, Map<String, Object> params,
                               Double startDelaySeconds, Double durationSeconds) {}

    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record FaultJson(String id, String type, String target, String server, Object phones,
                            List<String> methods, String direction, double probability, Map<String, Object> params,
                            Double startDelaySeconds, Double durationSeconds, String state, long createdAt,
                            long startsAt, Long endsAt, Fault.Counters counters) {
        static FaultJson of(Fault f) {
            FaultSpec s = f.spec();
            return new FaultJson(f.id(), s.type(), s.target() == null ? "*" : s.target(), f.server(),
                    phonesJson(s.phones()), s.methods() == null || s.methods().isEmpty() ? null
                    : List.copyOf(s.methods()), s.direction() == null ? null : s.direction().wireName(),
                    s.probability() == null ? 1.0 : s.probability(), s.params() == null ? Map.of() : s.params(),
                    s.startDelayMs() == null ? null : s.startDelayMs() / 1000.0,
                    s.durationMs() == null ? null : s.durationMs() / 1000.0,
                    f.state().name().toLowerCase(Locale.ROOT), f.createdAtMs(), f.startsAtMs(),
                    f.endsAtMs() == Long.MAX_VALUE ? null : f.endsAtMs(), f.counters());
        }
    }

    @POST
    public Response create(FaultRequest body) {
        Fault f = simulator.addFault(spec(body));
        return Response.created(URI.create("/api/faults/" + f.id())).entity(FaultJson.of(f)).build();
    }

    @GET
    public List<FaultJson> list() {
        return simulator.faults().stream().map(FaultJson::of).toList();
    }

    @GET
    @Path("{id}")
    public FaultJson get(@PathParam("id") String id) {
        return FaultJson.of(simulator.fault(id).orElseThrow(() -> new NotFound("no fault '" + id + "'")));
    }

    @DELETE
    @Path("{id}")
    public Response delete(@PathParam("id") String id) {
        if (!simulator.removeFault(id)) {
            throw new NotFound("no fault '" + id + "'");
        }
        return Response.noContent().build();
    }

    /** The body as the engine's spec: JSON shapes are checked here, meanings by the engine. */
    static FaultSpec spec(FaultRequest b) {
        if (b == null) {
            throw new InvalidInputException(null, "a fault definition is required: {\"type\":\"blackhole\","
                    + "\"target\":\"primary\"} at least");
        }
        Direction direction = null;
        if (b.direction() != null) {
            direction = Direction.parse(b.direction()).orElseThrow(() -> new InvalidInputException("direction",
                    "unknown direction '" + b.direction() + "'; one of to-server, from-server, both"));
        }
        Set<String> methods = null;
        if (b.methods() != null) {
            methods = new LinkedHashSet<>();
            for (int i = 0; i < b.methods().size(); i++) {
                String m = b.methods().get(i);
                if (m == null || m.isBlank()) {
                    throw new InvalidInputException("methods[" + i + "]", "a SIP method such as REGISTER is required");
                }
                methods.add(m.trim().toUpperCase(Locale.ROOT));
            }
        }
        return new FaultSpec(b.name(), b.type(), b.target(), phones(b.phones()), methods, direction, b.probability(),
                b.params(), seconds(b.startDelaySeconds()), seconds(b.durationSeconds()));
    }

    private static Long seconds(Double s) {
        return s == null ? null : s.isNaN() ? Long.MIN_VALUE : Math.round(s * 1000);
    }

    static PhoneSelector phones(Object v) {
        if (v == null || "all".equals(v)) {
            return null;
        }
        if (!(v instanceof Map<?, ?> m) || m.size() != 1 && !(m.size() == 2 && m.containsKey("sample"))) {
            throw new InvalidInputException("phones", "phones is \"all\", or one of {\"fleet\":\"name\"}, "
                    + "{\"ids\":[\"fleet-1\"]}, {\"model\":\"V3\"}, {\"sample\":10,\"seed\":7}");
        }
        if (m.get("fleet") instanceof String f) {
            return new PhoneSelector.Fleet(f);
        }
        if (m.get("model") instanceof String model) {
            return new PhoneSelector.Model(model);
        }
        if (m.get("ids") instanceof List<?> ids) {
            List<String> out = new ArrayList<>();
            for (Object id : ids) {
                if (!(id instanceof String s)) {
                    throw new InvalidInputException("phones.ids", "phone ids are strings such as \"demo-1\"");
                }
                out.add(s);
            }
            return new PhoneSelector.Ids(Set.copyOf(out));
        }
        if (m.get("sample") instanceof Number pct) {
            double p = pct.doubleValue();
            if (!(p >= 0 && p <= 100)) {
                throw new InvalidInputException("phones.sample", "sample is a percentage, 0..100; got " + pct);
            }
            Object seed = m.get("seed");
            if (seed != null && !(seed instanceof Number)) {
                throw new InvalidInputException("phones.seed", "seed is a whole number");
            }
            return new PhoneSelector.Sample(p, seed == null ? 0 : ((Number) seed).longValue());
        }
        throw new InvalidInputException("phones", "phones is \"all\", or one of {\"fleet\":\"name\"}, "
                + "{\"ids\":[\"fleet-1\"]}, {\"model\":\"V3\"}, {\"sample\":10,\"seed\":7}");
    }

    static Object phonesJson(PhoneSelector s) {
        if (s == null || s instanceof PhoneSelector.All) {
            return "all";
        }
        if (s instanceof PhoneSelector.Fleet f) {
            return Map.of("fleet", f.name());
        }
        if (s instanceof PhoneSelector.Model m) {
            return Map.of("model", m.name());
        }
        if (s instanceof PhoneSelector.Ids ids) {
            return Map.of("ids", ids.ids().stream().sorted().toList());
        }
        if (s instanceof PhoneSelector.Sample sm) {
            return Map.of("sample", sm.percent(), "seed", sm.seed());
        }
        return s.toString();
    }
}
