package io.sipfleet.simulator.scenario.run;

import java.util.List;

/**
 * A phone that made an expectation fail, as the reports show it.
 *
 * @param phone      its id
 * @param state      what it showed when the expectation was decided (line state, active server, call state)
 * @param lastEvents its last few events, oldest first, each with its instant relative to the expectation's start
 */
public record PhoneEvidence(String phone, String state, List<String> lastEvents) {
    public PhoneEvidence {
        lastEvents = List.copyOf(lastEvents);
    }
}
