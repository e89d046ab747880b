package io.sipfleet.simulator;

import io.sipfleet.faults.Direction;
import io.sipfleet.faults.FaultEngine;
import io.sipfleet.faults.FaultSpec;
import java.util.Map;
import java.util.function.LongSupplier;

/**
 * An external server's availability, carried out by a fault on the phones' side of the wire: silent
 * drops ({@code blackhole}), down answers like a closed port ({@code unreachable}), 503/500 answer in the
 * server's place ({@code respond}), up removes it. A built-in server's availability is its own mode, not
 * this. The fault is named {@code availability-{host}_{port}} and listed with the others.
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

    /** The id of the fault that carries out {@code server}'s availability ({@code availability-127.0.0.9_5060}). */
    public static String faultId(String server) {
        return PREFIX + server.replaceAll("[^A-Za-z0-9.-]", "_");
    }

    /**
     * Sets an external server's availability.
     *
     * @param mode up, 503, 500, silent or down
     * @return the server's host:port as the packets carry it
     * @throws UnknownServerException   when {@code hostPort} does not resolve
     * @throws IllegalArgumentException for another mode
     */
    public String set(String hostPort, String mode) {
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
