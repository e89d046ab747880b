/**
 * The simulator: the running fleet: SIP stacks, real scheduler; issue 3. It owns the JAIN-SIP
 * stacks and transports, the real scheduler, applying fault verdicts to real packets, ICMP / TCP
 * failure detection, the built-in SIP servers and metrics hooks. No Quarkus, CDI, JAX-RS or MQTT
 * here: the api module wires it.
 */
package io.sipfleet.simulator;
