package io.sipfleet.api.control;

import io.sipfleet.api.rest.NotFound;
import io.sipfleet.simulator.ServerAvailability;
import io.sipfleet.simulator.Simulator;
import io.sipfleet.simulator.UnknownServerException;
import io.sipfleet.device.InvalidInputException;
import io.sipfleet.simulator.builtin.BuiltinServer;
import io.sipfleet.simulator.builtin.Mode;
import jakarta.enterprise.context.ApplicationScoped;

/** Availability of the servers (api.md), for REST and MQTT alike. */
@ApplicationScoped
public class ServerControl {
    private final Simulator simulator;

    ServerControl(Simulator simulator) {
        this.simulator = simulator;
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

    /** Whether {@code name} is a host:port that is not a built-in server's (its availability is faults). */
    public boolean isExternal(String name) {
        return simulator.isExternalServer(name);
    }

    /** A built-in server by name or by its host:port. */
    private java.util.Optional<BuiltinServer> find(String name) {
        return simulator.builtinServer(name);
    }

    /**
     * The built-in server of that name (or host:port).
     *
     * @throws NotFound when there is none
     */
    public BuiltinServer builtin(String name) {
        return find(name).orElseThrow(() -> new NotFound("no server named '" + name + "'; the built-in servers are "
                + simulator.builtin().map(g -> g.servers().stream().map(BuiltinServer::name).toList().toString())
                .orElse("off") + ", and an external server is named by its host:port"));
    }

    /**
     * Sets a server's availability: a built-in server's mode, or for an external {@code host:port} a
     * fault on the phones' side of the wire (silent drops, down answers like a closed port, 503/500
     * answer in its place, up removes it).
     *
     * @throws NotFound for a name that is neither
     */
    public ServerAvailability.Result availability(String name, Mode mode) {
        if (!isExternal(name)) {
            builtin(name); // NotFound naming the built-in servers
        }
        try {
            return simulator.availability(name, mode);
        } catch (UnknownServerException e) {
            throw new NotFound(e.getMessage());
        }
    }
}
