package io.sipfleet.api.rest;

import io.sipfleet.simulator.Simulator;
import io.sipfleet.device.InvalidInputException;
import io.sipfleet.simulator.relay.FaultRelay;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.DELETE;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import java.io.IOException;
import java.net.URI;
import java.util.List;
import java.util.Map;

/**
 * Fault relays for physical phones (issue 4): point a real desk phone (or any SIP client) at the
 * relay instead of its server; the relay forwards to the server and the service's faults apply to its
 * packets. Scope a fault to one relay's clients with {@code "phones":{"fleet":"relay:<name>"}}.
 */
@Path("/api/relays")
@Produces(MediaType.APPLICATION_JSON)
@Consumes(MediaType.APPLICATION_JSON)
public class RelaysResource {
    private final Simulator simulator;

    RelaysResource(Simulator simulator) {
        this.simulator = simulator;
    }

    /**
     * @param listen   host:port the relay listens on, UDP and TCP (port 0: any free one); default 127.0.0.1:0
     * @param upstream the server: a built-in server's name or host:port
     */
    public record RelayRequest(String name, String listen, String upstream) {}

    public record RelayJson(String name, String listen, String upstream, String fleet, boolean udpOpen,
                            boolean tcpOpen, FaultRelay.Counters counters) {
        static RelayJson of(String name, FaultRelay r) {
            String host = r.listenAddress().getAddress().getHostAddress();
            return new RelayJson(name, (host.contains(":") ? "[" + host + "]" : host) + ":" + r.port(), r.upstream(),
                    Simulator.relayFleet(name), r.udpOpen(), r.tcpOpen(), r.counters());
        }
    }

    @POST
    public Response create(RelayRequest body) {
        if (body == null || body.upstream() == null) {
            throw new InvalidInputException("upstream", "upstream is required: a built-in server's name "
                    + "(primary, backup) or host:port");
        }
        String listen = body.listen() == null ? "127.0.0.1:0" : body.listen().trim();
        int colon = listen.lastIndexOf(':');
        int port;
        try {
            port = Integer.parseInt(listen.substring(colon + 1));
        } catch (RuntimeException e) {
            port = -1;
        }
        if (colon <= 0 || port < 0 || port > 65535) {
            throw new InvalidInputException("listen", "listen is host:port (port 0..65535; 0 = any free port); got '"
                    + body.listen() + "'");
        }
        String host = listen.substring(0, colon).replace("[", "").replace("]", "");
        FaultRelay r;
        try {
            r = simulator.startRelay(body.name(), host, port, body.upstream());
        } catch (InvalidInputException e) {
            throw e; // names its own field (name, upstream)
        } catch (IOException | IllegalArgumentException e) {
            throw new InvalidInputException("listen", "cannot listen on " + listen + ": " + e.getMessage());
        }
        String name = simulator.relays().entrySet().stream().filter(x -> x.getValue() == r).map(Map.Entry::getKey)
                .findFirst().orElseThrow();
        return Response.created(URI.create("/api/relays/" + name)).entity(RelayJson.of(name, r)).build();
    }

    @GET
    public List<RelayJson> list() {
        return simulator.relays().entrySet().stream().map(e -> RelayJson.of(e.getKey(), e.getValue())).toList();
    }

    @GET
    @Path("{name}")
    public RelayJson get(@PathParam("name") String name) {
        FaultRelay r = simulator.relays().get(name);
        if (r == null) {
            throw new NotFound("no relay '" + name + "'");
        }
        return RelayJson.of(name, r);
    }

    @DELETE
    @Path("{name}")
    public Response delete(@PathParam("name") String name) {
        if (!simulator.stopRelay(name)) {
            throw new NotFound("no relay '" + name + "'");
        }
        return Response.noContent().build();
    }
}
