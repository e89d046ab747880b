package io.sipfleet.faults.types;

import io.sipfleet.faults.Direction;
import io.sipfleet.faults.Verdict;
import java.util.Map;

/** {@code unreachable}: the server's port is closed. */
public final class UnreachableType extends AbstractFaultType {
    public static final String NAME = "unreachable";

    public UnreachableType() {
        super(NAME, "The server's port is closed: a UDP packet is dropped and answered with ICMP port unreachable, "
                + "a TCP/TLS connect is refused, an established connection is reset.", Direction.TO_SERVER);
    }

    @Override
    public Behaviour create(Map<String, Object> params, Direction direction) {
        read(params);
        return (p, nowMs, random, faultId) -> new Verdict.Unreachable(faultId);
    }
}
