/**
 * The standard fault types (blackhole, unreachable, respond, delay, loss, duplicate, reorder,
 * tcp-connect-timeout, tcp-reset): each checks its {@code params} and makes the behaviour that
 * decides a matched packet. Registered by {@link io.sipfleet.faults.FaultTypes#standard()}.
 */
package io.sipfleet.faults.types;
