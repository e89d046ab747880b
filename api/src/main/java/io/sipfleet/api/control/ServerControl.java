package io.sipfleet.api.control;

import io.sipfleet.api.rest.NotFound;
import io.sipfleet.api.rest.ServersResource;
import io.sipfleet.api.runtime.SimulatorRuntime;
import io.sipfleet.device.InvalidInputException;
import io.sipfleet.simulator.builtin.BuiltinServer;
import io.sipfleet.simulator.builtin.Mode;
import jakarta.enterprise.context.ApplicationScoped;

/** Availability of the servers (api.md), for REST and MQTT alike. */
@ApplicationScoped
public class ServerControl {
    private final SimulatorRuntime runtime;

    ServerControl(SimulatorRuntime runtime) {
        this.runtime = runtime;
    }

    /** up, 503, 500, silent or down. @throws InvalidInputException naming {@code mode} otherwise */
    public static Mode parseMode(String mode) {
        if (mode == null) {
            throw new InvalidInputException("mode", "mode is required: up, 503, 500, silent or down");
        }
        try {
            return Mode.parse(mode);
        } catch (IllegalArgumentException e) {
            throw new InvalidInputException("mode", "unknown mode '" + mode + "'; one of up, 503, 500, silent, down");
        }
    }

    /**
     * The built-in server of that name.
     *
     * @throws NotFound                         when there is none
     * @throws ServersResource.NotImplemented   for an external server (host:port): the fault layer is not there yet
     */
    public BuiltinServer builtin(String name) {
        var group = runtime.builtin();
        if (group.isPresent()) {
            var s = group.get().find(name);
            if (s.isPresent()) {
                return s.get();
            }
        }
        if (name.contains(":")) {
            throw new ServersResource.NotImplemented("availability of the external server " + name
                    + " is carried out by the fault layer, which is not there yet; the built-in servers are "
                    + group.map(g -> g.servers().stream().map(BuiltinServer::name).toList().toString()).orElse("off"));
        }
        throw new NotFound("no server named '" + name + "'; the built-in servers are "
                + group.map(g -> g.servers().stream().map(BuiltinServer::name).toList().toString()).orElse("off"));
    }

    public BuiltinServer availability(BuiltinServer s, Mode mode) {
        s.setMode(mode);
        return s;
    }
}
