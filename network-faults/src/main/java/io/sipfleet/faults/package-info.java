/**
 * Network faults: the fault rules (what, where, which direction, how likely, how long) and the
 * pure decision "what happens to this packet now", taking a seeded random source so that a fault
 * run repeats. This module owns fault rules (issue 4); it has no sockets, no timers and no SIP
 * parsing beyond what a rule needs to match.
 */
package io.sipfleet.faults;
