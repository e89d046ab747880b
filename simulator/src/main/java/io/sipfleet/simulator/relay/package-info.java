/**
 * The fault relay for physical phones: {@link io.sipfleet.simulator.relay.FaultRelay} stands between a
 * real SIP client (a desk phone, SIPp) and its real server, forwards SIP both ways over UDP and TCP, and
 * applies a {@link io.sipfleet.faults.PacketPolicy}'s verdicts to the real packets (drop, delay,
 * duplicate, answer in the server's place, a real closed port, reset, a black-holed connect). What
 * it rewrites in messages, so that a server with no NAT handling answers and calls back through it, is
 * listed in {@code RelaySip}: a Via pushed and popped, Contacts pointing at the relay, the Request-URI
 * restored, a Record-Route on dialog-creating requests, Max-Forwards. All SIP reading and writing is
 * JAIN-SIP's.
 */
package io.sipfleet.simulator.relay;
