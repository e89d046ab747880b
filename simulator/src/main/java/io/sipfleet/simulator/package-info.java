/**
 * The simulator: the running fleet behind one plain-Java facade, {@link io.sipfleet.simulator.Simulator},
 * made from a {@link io.sipfleet.simulator.SimulatorSettings}. It owns the JAIN-SIP stacks and transports,
 * the real scheduler and its lag watch, applying fault verdicts to real packets, ICMP / TCP failure
 * detection, the built-in SIP servers, server availability, reset, the fault relays and metrics hooks. No
 * Quarkus, CDI, JAX-RS or MQTT here (enforced by the build): the api module maps its configuration to the
 * settings and starts and stops the facade.
 */
package io.sipfleet.simulator;
