package io.sipfleet.faults;

import java.util.Map;
import java.util.Optional;

/** Packets, servers and engines for the engine tests. */
final class Fixtures {
    static final String PRIMARY = "10.0.0.1:5060";
    static final String BACKUP = "10.0.0.2:5060";

    /** Knows the built-in servers primary and backup, and any host:port. */
    static final ServerDirectory SERVERS = target -> {
        if ("primary".equals(target)) {
            return Optional.of(PRIMARY);
        }
        if ("backup".equals(target)) {
            return Optional.of(BACKUP);
        }
        return ServerDirectory.HOST_PORT.resolve(target);
    };

    private Fixtures() {}

    static FaultEngine engine(long seed) {
        return new FaultEngine(seed, FaultTypes.standard(), SERVERS);
    }

    static Packet request(String phone, String method) {
        return Packet.request(Protocol.UDP, PRIMARY, phone, "fleet-a", "V2", method);
    }

    static Packet request(String server, String phone, String fleet, String model, String method) {
        return Packet.request(Protocol.UDP, server, phone, fleet, model, method);
    }

    static Packet response(String phone, String method, int status) {
        return new Packet(Packet.Flow.FROM_SERVER, Protocol.UDP, Packet.Kind.MESSAGE, PRIMARY, phone, "fleet-a", "V2",
                method, status);
    }

    static Packet keepAlive(String phone) {
        return new Packet(Packet.Flow.TO_SERVER, Protocol.UDP, Packet.Kind.KEEPALIVE, PRIMARY, phone, "fleet-a", "V2",
                null, 0);
    }

    static Packet connect(String phone) {
        return Packet.connect(Protocol.TCP, PRIMARY, phone, "fleet-a", "V2");
    }

    static FaultSpec spec(String type) {
        return FaultSpec.of(type, null);
    }

    static FaultSpec spec(String type, Map<String, Object> params) {
        return FaultSpec.of(type, null).withParams(params);
    }
}
