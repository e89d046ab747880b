package io.sipfleet.faults.types;

import io.sipfleet.faults.FaultType;
import java.util.List;

/** The standard fault types, in catalogue order (what {@code FaultTypes.standard()} registers). */
public final class StandardTypes {
    private StandardTypes() {}

    public static List<FaultType> all() {
        return List.of(new BlackholeType(), new UnreachableType(), new RespondType(), new DelayType(),
                new LossType(), new DuplicateType(), new ReorderType(), new TcpConnectTimeoutType(),
                new TcpResetType());
    }
}
