/**
 * Network faults: the fault rules (what, where, which direction, how likely, how long) and the
 * pure decision "what happens to this packet now". This module owns fault rules (issue 4). Plain
 * Java only: no sockets, no timers, no threads, no clock (callers pass the simulation time) and no
 * SIP parsing beyond the few fields of a {@link io.sipfleet.faults.Packet} a rule matches on.
 *
 * <ul>
 *   <li>{@link io.sipfleet.faults.FaultSpec}: a fault as asked for; {@link io.sipfleet.faults.Fault}:
 *       as held (target resolved, time window, state, counters).
 *   <li>{@link io.sipfleet.faults.FaultTypes}: the registry of {@link io.sipfleet.faults.FaultType}s;
 *       {@link io.sipfleet.faults.FaultTypes#standard()} has blackhole, unreachable, respond, delay,
 *       loss, duplicate, reorder, tcp-connect-timeout and tcp-reset (package
 *       {@code io.sipfleet.faults.types}).
 *   <li>{@link io.sipfleet.faults.PhoneSelector} (all, fleet, ids, model, seeded sample) and
 *       {@link io.sipfleet.faults.ServerDirectory} (targets to {@code host:port}) scope a fault.
 *   <li>{@link io.sipfleet.faults.FaultEngine}: validates and holds the faults and, as the
 *       {@link io.sipfleet.faults.PacketPolicy} the simulator and the relay call per packet, gives a
 *       {@link io.sipfleet.faults.Verdict}. Lock-free on that path; every random draw is a pure
 *       function of the engine's seed, the fault, the packet's flow and its place in the flow, so a
 *       fault run repeats with the same seed whatever the threads do.
 * </ul>
 */
package io.sipfleet.faults;
