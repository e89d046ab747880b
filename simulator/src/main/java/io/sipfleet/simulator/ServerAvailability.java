package io.sipfleet.simulator;

import io.sipfleet.faults.Direction;
import io.sipfleet.faults.FaultEngine;
import io.sipfleet.faults.FaultSpec;
import io.sipfleet.simulator.builtin.BuiltinServer;
import io.sipfleet.simulator.builtin.Mode;
import java.util.Map;
import java.util.function.LongSupplier;

/**
 * A server's availability (up, 503, 500, silent, down), by the server's name. A built-in server (by name
 * or its host:port) takes the mode itself: {@code down} really closes its sockets. An external server's
 * is carried out by a fault on the phones' side of the wire: silent drops ({@code blackhole}), down
 * answers like a closed port ({@code unreachable}), 503/500 answer in the server's place
 * ({@code respond}), up removes it. That fault is named {@code availability-{host}_{port}} and listed with
 * the others.
 */
public final class ServerAvailability {
    /** Prefix of the faults that carry out an external server's availability. */
    public static final String PREFIX = "availability-";

    private final FaultEngine faults;
    private final ServerResolver servers;
    private final LongSupplier clockMs;

    public ServerAvailability(FaultEngine faults, ServerResolver servers, LongSupplier clockMs) {
        this.faults = faults;
        this.servers = servers;
        this.clockMs = clockMs;
    }

    /**
     * What a server's availability became.
     *
     * @param name    as asked for (a built-in server's: its name)
     * @param address host:port as the packets carry it
     * @param server  the built-in server, or null for an external one
     */
    public record Result(String name, String address, boolean builtin, String mode, BuiltinServer server) {}

    /**
     * Sets a server's availability: a built-in server's mode, or for an external {@code host:port} a fault.
     *
     * @throws UnknownServerException for a name that is neither
     */
    public Result set(String name, Mode mode) {
        if (servers.isExternal(name)) {
            return new Result(name, setExternal(name, mode.apiName()), false, mode.apiName(), null);
        }
        BuiltinServer s = servers.builtin(name).orElseThrow(() -> new UnknownServerException(name));
        s.setMode(mode);
        return new Result(s.name(), s.address(), true, s.mode().apiName(), s);
    }

    /** The id of the fault that carries out {@code server}'s availability ({@code availability-127.0.0.9_5060}). */
    public static String faultId(String server) {
        return PREFIX + server.replaceAll("[^A-Za-z0-9.-]", "_");
    }

    /**
     * Sets an external server's availability (a fault, whatever the host:port).
     *
     * @param mode up, 503, 500, silent or down
     * @return the server's host:port as the packets carry it
     * @throws UnknownServerException   when {@code hostPort} does not resolve
     * @throws IllegalArgumentException for another mode
     */
    public String setExternal(String hostPort, String mode) {
        String server = servers.resolve(hostPort).orElseThrow(() -> new UnknownServerException(hostPort));
        String id = faultId(server);
        faults.remove(id);
        FaultSpec spec = switch (mode) {
            case "up" -> null;
            case "silent" -> FaultSpec.of("blackhole", server).withDirection(Direction.BOTH);
            case "down" -> FaultSpec.of("unreachable", server);
            case "503", "500" -> FaultSpec.of("respond", server).withParams(Map.of("status", Integer.parseInt(mode)));
            default -> throw new IllegalArgumentException(mode);
        };
        if (spec != null) {
            faults.add(spec.withName(id), clockMs.getAsLong());
        }
        return server;
    }

    /** The availability mode of an external server (as the packets carry it): up unless an availability fault is set. */
    public String mode(String server) {
        return faults.get(faultId(server), clockMs.getAsLong()).map(f -> switch (f.spec().type()) {
            case "blackhole" -> "silent";
            case "unreachable" -> "down";
            default -> String.valueOf(f.spec().params().get("status"));
        }).orElse("up");
    }
}
