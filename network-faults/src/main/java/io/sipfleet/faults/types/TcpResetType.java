package io.sipfleet.faults.types;

import io.sipfleet.faults.Direction;
import io.sipfleet.faults.Packet;
import io.sipfleet.faults.Verdict;
import java.util.Map;

/** {@code tcp-reset}: an established TCP/TLS connection is reset instead of carrying a message. */
public final class TcpResetType extends AbstractFaultType {
    public static final String NAME = "tcp-reset";

    public TcpResetType() {
        super(NAME, "Resets the TCP/TLS connection (RST) instead of carrying each matched SIP message; "
                + "connects, keep-alives and UDP pass.", Direction.BOTH);
    }

    @Override
    public Behaviour create(Map<String, Object> params, Direction direction) {
        read(params);
        return (p, nowMs, random, faultId) -> p.kind() == Packet.Kind.MESSAGE && p.protocol().connectionOriented()
                ? new Verdict.Reset(faultId)
                : Verdict.PASS;
    }
}
