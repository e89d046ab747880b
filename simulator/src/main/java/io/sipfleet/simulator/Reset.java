package io.sipfleet.simulator;

import java.util.List;

/**
 * What {@link Simulator#reset(boolean)} did.
 *
 * @param faultsRemoved the faults there were (expired ones too)
 * @param serversSetUp  built-in servers that were not up
 * @param fleetsDeleted the fleets deleted, by name
 */
public record Reset(int faultsRemoved, int serversSetUp, List<String> fleetsDeleted) {}
