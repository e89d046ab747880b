package io.sipfleet.simulator.scenario;

import io.sipfleet.device.FirmwareProfile;
import java.util.List;

/**
 * A fleet of a scenario: the fields of the {@code POST /api/fleets} body, except that the line's server
 * addresses come from the scenario's {@code servers} (in the order of {@link #servers()}).
 *
 * @param firstUser       the first phone's user; phone i has user firstUser + i - 1
 * @param password        {@code {user}} is replaced by each phone's user
 * @param authUser        null: the user; {@code {user}} is replaced
 * @param rampPerSecond   phones powered on per second; 0: as fast as the simulator keeps up
 * @param autoAnswerDelay seconds before an incoming call is answered (with autoAnswer)
 * @param servers         the roles of the line's server list in priority order ({@code [primary, backup]})
 * @param line            the other line items of behaviour.md §2
 */
public record FleetDef(String name, FirmwareProfile model, int count, long firstUser, String password,
                       String authUser, double rampPerSecond, boolean autoAnswer, double autoAnswerDelay,
                       List<String> servers, LineSpec line) {

    public static final long DEFAULT_FIRST_USER = 1001;
    public static final int MAX_COUNT = 1_000_000;

    public FleetDef {
        servers = List.copyOf(servers);
    }

    /** Phone ids are {@code {fleet}-{i}}, i from 1. */
    public String phoneId(int i) {
        return name + "-" + i;
    }
}
