package io.sipfleet.device.event;

/**
 * Why one server of a walk did not serve a request (§9).
 *
 * @param server  the server
 * @param request the method that found it unavailable or was refused
 * @param reason  {@code timeout}, {@code 503}, {@code 500}, {@code icmp-unreachable}, {@code tcp-refused},
 *                ..., or the final status that ended the request (e.g. {@code 403})
 */
public record ServerFailure(ServerRef server, String request, String reason) {}
