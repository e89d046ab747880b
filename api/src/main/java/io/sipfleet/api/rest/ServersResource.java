package io.sipfleet.api.rest;

import io.sipfleet.api.control.ServerControl;
import io.sipfleet.simulator.ServerAvailability;
import io.sipfleet.simulator.Simulator;
import io.sipfleet.device.config.LineConfig;
import io.sipfleet.device.config.ServerConfig;
import io.sipfleet.simulator.builtin.BuiltinServer;
import io.sipfleet.simulator.builtin.Mode;
import io.sipfleet.simulator.fleet.Fleet;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.PUT;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/** Servers (api.md): every server the phones know, and the availability of the built-in ones. */
@Path("/api/servers")
@Produces(MediaType.APPLICATION_JSON)
@Consumes(MediaType.APPLICATION_JSON)
public class ServersResource {
    private final Simulator simulator;
    private final ServerControl control;

    ServersResource(Simulator simulator, ServerControl control) {
        this.simulator = simulator;
        this.control = control;
    }

    /**
     * @param name     the built-in server's name, or host:port of an external one
     * @param address  host:port
     * @param builtin  whether it runs inside the simulator
     * @param mode     up, 503, 500, silent or down (external servers: up until faults exist)
     * @param requests requests received by method (built-in servers)
     */
    public record ServerJson(String name, String address, boolean builtin, String mode, Map<String, Long> requests) {}

    public record AvailabilityRequest(String mode) {}

    @GET
    public List<ServerJson> list() {
        return servers(simulator);
    }

    /** Every server the phones know: the built-in ones, then each external host:port the fleets use. */
    public static List<ServerJson> servers(Simulator simulator) {
        List<ServerJson> out = new ArrayList<>();
        Set<String> builtinAddresses = new TreeSet<>();
        simulator.builtin().ifPresent(g -> {
            for (BuiltinServer s : g.servers()) {
                builtinAddresses.add(s.address());
                out.add(json(s));
            }
        });
        Set<String> external = new TreeSet<>();
        for (Fleet f : simulator.fleets().fleets()) {
            LineConfig cfg = f.spec().lineFor(1);
            for (ServerConfig s : cfg.servers()) {
                if (!builtinAddresses.contains(s.hostPort())) {
                    external.add(s.hostPort());
                }
            }
        }
        for (String a : external) {
            String server = simulator.resolveServer(a).orElse(a);
            out.add(new ServerJson(a, a, false, simulator.externalMode(server), Map.of()));
        }
        return out;
    }

    @GET
    @Path("{name}")
    public ServerJson get(@PathParam("name") String name) {
        if (control.isExternal(name)) {
            // an external server the fleets use (as GET /api/servers lists it), with its availability
            for (ServerJson s : list()) {
                if (!s.builtin() && s.name().equals(name)) {
                    return s;
                }
            }
            String server = simulator.resolveServer(name).orElse(null);
            String mode = server == null ? "up" : simulator.externalMode(server);
            if (server != null && !"up".equals(mode)) {
                return new ServerJson(name, server, false, mode, Map.of());
            }
        }
        return json(builtin(name));
    }

    @PUT
    @Path("{name}/availability")
    public ServerJson availability(@PathParam("name") String name, AvailabilityRequest body) {
        Mode m = ServerControl.parseMode(body == null ? null : body.mode());
        ServerAvailability.Result a = control.availability(name, m);
        return a.builtin() ? json(a.server()) : new ServerJson(name, a.address(), false, a.mode(), Map.of());
    }

    private BuiltinServer builtin(String name) {
        return control.builtin(name);
    }

    private static ServerJson json(BuiltinServer s) {
        Map<String, Long> requests = new LinkedHashMap<>(s.stats().requestsByMethod());
        return new ServerJson(s.name(), s.address(), true, s.mode().apiName(), requests);
    }
}
