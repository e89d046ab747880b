package io.sipfleet.api.rest;

import io.sipfleet.api.control.PhoneControl;
import io.sipfleet.simulator.Simulator;
import io.sipfleet.device.InvalidInputException;
import io.sipfleet.device.Key;
import io.sipfleet.device.Outputs;
import io.sipfleet.device.PhoneView;
import io.sipfleet.device.config.InvalidConfigException;
import io.sipfleet.device.config.LineConfig;
import io.sipfleet.simulator.fleet.Fleet;
import io.sipfleet.simulator.fleet.PhoneHandle;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.DefaultValue;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.PUT;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/** Phones (api.md): pages with filters, one phone, its line configuration, hook, keys, registration, events. */
@Path("/api/phones")
@Produces(MediaType.APPLICATION_JSON)
@Consumes(MediaType.APPLICATION_JSON)
public class PhonesResource {
    static final int MAX_PAGE_SIZE = 1000;
    private final Simulator simulator;
    private final PhoneControl control;

    PhonesResource(Simulator simulator, PhoneControl control) {
        this.simulator = simulator;
        this.control = control;
    }

    public record Page(int page, int size, int total, List<PhoneJson.Summary> items) {}

    public record HookRequest(String state) {}

    /** {@code keys}: a dial string such as "1001#", or a list of key names. */
    public record KeysRequest(Object keys) {}

    @GET
    public Page list(@QueryParam("fleet") String fleet, @QueryParam("model") String model,
                     @QueryParam("state") String state, @QueryParam("activeServer") String activeServer,
                     @QueryParam("page") @DefaultValue("0") String pageParam,
                     @QueryParam("size") @DefaultValue("50") String sizeParam) {
        int page = QueryParams.integer("page", pageParam);
        int size = QueryParams.integer("size", sizeParam);
        if (page < 0) {
            throw new InvalidInputException("page", "page starts at 0, got " + page);
        }
        if (size < 1 || size > MAX_PAGE_SIZE) {
            throw new InvalidInputException("size", "size must be 1.." + MAX_PAGE_SIZE + ", got " + size);
        }
        if (state != null) {
            try {
                Outputs.LineState.valueOf(state.toUpperCase(Locale.ROOT));
            } catch (IllegalArgumentException e) {
                throw new InvalidInputException("state", "unknown state '" + state
                        + "'; one of disabled, unregistered, registering, registered, failed");
            }
        }
        boolean relayFleet = fleet != null && fleet.startsWith("relay:");
        List<Fleet> fleets = relayFleet ? List.of() : simulator.fleets().fleets().stream()
                .filter(f -> fleet == null || f.name().equals(fleet))
                .filter(f -> model == null || f.spec().model().name().equalsIgnoreCase(model))
                .sorted(Comparator.comparing(Fleet::name)).toList();
        List<PhoneJson.Summary> all = new ArrayList<>();
        for (Fleet f : fleets) {
            for (PhoneHandle h : f.phones()) {
                PhoneJson.Summary s = PhoneJson.summary(h); // what the phone keeps current: no wait on its shard
                if ((state == null || s.state().equalsIgnoreCase(state))
                        && (activeServer == null || activeServer.equals(s.activeServer()))) {
                    all.add(s);
                }
            }
        }
        if (model == null && (fleet == null || relayFleet)) {
            // the real phones behind the relays (README "Relay phones"), after the simulated ones
            for (var p : simulator.observedPhones().map(o -> o.fleet(fleet)).orElse(List.of())) {
                PhoneJson.Summary s = PhoneJson.summary(p);
                if ((state == null || s.state().equalsIgnoreCase(state))
                        && (activeServer == null || activeServer.equals(s.activeServer()))) {
                    all.add(s);
                }
            }
        }
        int from = (int) Math.min(all.size(), (long) page * size);
        return new Page(page, size, all.size(), all.subList(from, Math.min(all.size(), from + size)));
    }

    @GET
    @Path("{id}")
    @org.eclipse.microprofile.openapi.annotations.Operation(summary = "One phone",
            description = "A simulated phone as PhoneJson. A real phone observed behind a relay (an id user@host): id, "
                    + "fleet, observed: true, user, aor, fleets, addresses, callState, lines[0] (number, state, "
                    + "activeServer, activeAddress, expiresAt), home, requests (per server and method: sends, "
                    + "transactions, firstAt, lastAt), wire (its last messages), lastSeenAt, eventsForgotten (README "
                    + "\"Relay phones\").")
    @org.eclipse.microprofile.openapi.annotations.responses.APIResponse(responseCode = "200", description = "the phone",
            content = @org.eclipse.microprofile.openapi.annotations.media.Content(mediaType = MediaType.APPLICATION_JSON,
                    schema = @org.eclipse.microprofile.openapi.annotations.media.Schema(implementation = PhoneJson.class)))
    public Object get(@PathParam("id") String id) {
        var observed = observed(id);
        if (observed != null) {
            return ObservedPhoneJson.of(observed);
        }
        PhoneHandle h = phone(id);
        return PhoneJson.of(h.fleet(), h.view());
    }

    @PUT
    @Path("{id}/lines/{n}")
    public PhoneJson configure(@PathParam("id") String id, @PathParam("n") int n, LineConfigJson body) {
        PhoneHandle h = ours(id, "configure");
        if (body == null) {
            throw new InvalidInputException(null, "a line configuration is required");
        }
        PhoneView v = h.call(p -> {
            if (n < 1 || n > p.lineCount()) {
                throw new NotFound("phone " + id + " has no line " + n + " (lines 1.." + p.lineCount() + ")");
            }
            LineConfig current = p.lineConfig(n);
            LineConfigJson given = body;
            if (LineConfig.MASK.equals(body.password())) {
                // the mask echoed back from a GET keeps the password in force
                given = new LineConfigJson(body.registerAddr(), body.registerPort(), body.registerTtl(),
                        body.transport(), body.backupAddr(), body.backupPort(), body.backupTtl(),
                        body.backupTransport(), body.extraServers(), body.enableFailback(), body.failbackInterval(),
                        body.signalRetryCounts(), body.signalRetryDuration(), body.user(), body.authUser(), null,
                        body.displayName(), body.domain(), body.keepAliveInterval(), body.registerRetryInterval());
            }
            LineConfig next;
            try {
                next = given.applyTo(current.toBuilder(), "").build();
            } catch (InvalidConfigException e) {
                throw new InvalidInputException(e.field(), e.getMessage());
            }
            p.configureLine(n, next);
            return p.view();
        });
        return PhoneJson.of(h.fleet(), v);
    }

    @POST
    @Path("{id}/hook")
    public Response hook(@PathParam("id") String id, HookRequest body) {
        PhoneHandle h = ours(id, "move the hook of");
        control.hook(h, PhoneControl.parseHook(body == null ? null : body.state()));
        return Response.accepted().build();
    }

    @POST
    @Path("{id}/keys")
    public Response keys(@PathParam("id") String id, KeysRequest body) {
        PhoneHandle h = ours(id, "press the keys of");
        List<Key> keys = PhoneControl.parseKeys(body == null ? null : body.keys());
        control.keys(h, keys);
        return Response.accepted().build();
    }

    @POST
    @Path("{id}/lines/{n}/register")
    @Consumes(MediaType.WILDCARD) // no body: a bare POST needs no Content-Type
    public Response register(@PathParam("id") String id, @PathParam("n") int n) {
        control.register(ours(id, "register"), n);
        return Response.accepted().build();
    }

    @GET
    @Path("{id}/events")
    public List<Map<String, Object>> events(@PathParam("id") String id,
                                            @QueryParam("since") @DefaultValue("0") String sinceParam) {
        long since = QueryParams.longValue("since", sinceParam);
        var observed = observed(id);
        if (observed != null) {
            return observed.events(since).stream().map(EventJson::of).toList();
        }
        return phone(id).events(since).stream().map(EventJson::of).toList();
    }

    /** The media type of a libpcap file. */
    public static final String PCAP = "application/vnd.tcpdump.pcap";

    @GET
    @Path("{id}/trace")
    @Produces({MediaType.APPLICATION_JSON, PCAP, MediaType.TEXT_PLAIN})
    @org.eclipse.microprofile.openapi.annotations.Operation(summary = "A phone's SIP trace",
            description = "The last messages (200 by default) the phone sent and received, oldest first: time (epoch "
                    + "ms with microseconds), direction, server (name, address, transport), method or status and "
                    + "reason, CSeq, Call-ID, Via branch, retransmission, and the whole message. Asking starts the "
                    + "phone's trace if it was not traced (sipfleet.trace.keep after the last time); every phone is "
                    + "traced while there are at most sipfleet.trace.max-phones. As JSON, as a libpcap file "
                    + "(Accept: application/vnd.tcpdump.pcap or format=pcap; LINKTYPE_RAW) or as a text ladder "
                    + "(Accept: text/plain or format=text).")
    public Response trace(@PathParam("id") String id,
                          @org.eclipse.microprofile.openapi.annotations.parameters.Parameter(
                                  description = "json, pcap or text (overrides Accept)")
                          @QueryParam("format") String format,
                          @jakarta.ws.rs.core.Context jakarta.ws.rs.core.HttpHeaders headers) {
        PhoneHandle h = ours(id, "trace (its last messages are the wire list of GET /api/phones/{id})");
        String f = format != null ? format.toLowerCase(Locale.ROOT) : formatOf(headers);
        if (!List.of("json", "pcap", "text").contains(f)) {
            throw new InvalidInputException("format", "format is json, pcap or text, got '" + format + "'");
        }
        var trace = simulator.fleets().trace(h.id()).orElseThrow(() -> new NotFound("no phone '" + id + "'"));
        return switch (f) {
            case "pcap" -> Response.ok(io.sipfleet.simulator.trace.Pcap.of(trace), PCAP)
                    .header("Content-Disposition", "attachment; filename=\"" + h.id() + ".pcap\"").build();
            case "text" -> Response.ok(io.sipfleet.simulator.trace.Ladder.of(trace), MediaType.TEXT_PLAIN_TYPE
                    .withCharset("UTF-8")).build();
            default -> Response.ok(TraceJson.of(trace), MediaType.APPLICATION_JSON_TYPE).build();
        };
    }

    /** pcap or text when the client asks for that (and not JSON first), json otherwise. */
    private static String formatOf(jakarta.ws.rs.core.HttpHeaders headers) {
        for (MediaType m : headers.getAcceptableMediaTypes()) {
            if (m.isCompatible(MediaType.APPLICATION_JSON_TYPE) && !m.isWildcardType()) {
                return "json";
            }
            if (m.getType().equals("application") && m.getSubtype().equals("vnd.tcpdump.pcap")) {
                return "pcap";
            }
            if (m.getType().equals("text") && m.getSubtype().equals("plain")) {
                return "text";
            }
        }
        return "json";
    }

    private PhoneHandle phone(String id) {
        return control.phone(id);
    }

    /** A simulated phone to command; 409 for a real phone observed behind a relay, 404 for none. */
    private PhoneHandle ours(String id, String what) {
        if (simulator.fleets().phone(id).isEmpty() && observed(id) != null) {
            throw new ObservedOnly(id, what);
        }
        return phone(id);
    }

    /** The real phone with that id observed behind a relay, or null (a simulated phone's id is never one). */
    private io.sipfleet.simulator.relay.ObservedPhone observed(String id) {
        if (simulator.fleets().phone(id).isPresent()) {
            return null;
        }
        return simulator.observedPhones().flatMap(o -> o.get(id)).orElse(null);
    }
}
