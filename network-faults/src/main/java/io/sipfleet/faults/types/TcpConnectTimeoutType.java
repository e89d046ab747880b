package io.sipfleet.faults.types;

import io.sipfleet.faults.Direction;
import io.sipfleet.faults.InvalidFaultException;
import io.sipfleet.faults.Packet;
import io.sipfleet.faults.Verdict;
import java.util.Map;

/** {@code tcp-connect-timeout}: TCP/TLS connects never complete. */
public final class TcpConnectTimeoutType extends AbstractFaultType {
    public static final String NAME = "tcp-connect-timeout";

    public TcpConnectTimeoutType() {
        super(NAME, "Makes each matched TCP/TLS connect attempt time out (a SYN into a black hole); "
                + "packets on open connections and UDP pass.", Direction.TO_SERVER);
    }

    @Override
    public Behaviour create(Map<String, Object> params, Direction direction) {
        if (direction == Direction.FROM_SERVER) {
            throw new InvalidFaultException("direction", "tcp-connect-timeout acts on connect attempts, which go "
                    + "from the phone to the server: use to-server (the default) or both");
        }
        read(params);
        return (p, nowMs, random, faultId) -> p.kind() == Packet.Kind.CONNECT && p.protocol().connectionOriented()
                ? new Verdict.ConnectTimeout(faultId)
                : Verdict.PASS;
    }
}
