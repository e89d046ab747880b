package io.sipfleet.faults;

import java.util.Objects;

/**
 * What the fault layer knows about one packet (or one TCP/TLS connect attempt) between a phone and a
 * server, as the simulator or the relay sees it on its side of the wire. Only what a rule needs to
 * match: no SIP parsing happens here.
 *
 * @param flow     which way it goes
 * @param protocol UDP, TCP or TLS
 * @param kind     a SIP message, a keep-alive (CRLF, no SIP), or a connect attempt
 * @param server   the server end, {@code host:port} (as {@link ServerDirectory#resolve} gives it)
 * @param phoneId  the phone end: a virtual phone's id, or for the relay the client's {@code host:port}
 * @param fleet    the phone's fleet, null when unknown (relay)
 * @param model    the phone's model (V2, V3), null when unknown (relay)
 * @param method   the request's method, or a response's CSeq method; null for keep-alives and connects
 * @param status   a response's status code; 0 for requests, keep-alives and connects
 */
public record Packet(Flow flow, Protocol protocol, Kind kind, String server, String phoneId, String fleet,
                     String model, String method, int status) {

    /** Which way a packet goes. */
    public enum Flow { TO_SERVER, FROM_SERVER }

    public enum Kind { MESSAGE, KEEPALIVE, CONNECT }

    public Packet {
        Objects.requireNonNull(flow, "flow");
        Objects.requireNonNull(protocol, "protocol");
        Objects.requireNonNull(kind, "kind");
        Objects.requireNonNull(server, "server");
        Objects.requireNonNull(phoneId, "phoneId");
    }

    /** A request from the phone to the server. */
    public static Packet request(Protocol protocol, String server, String phoneId, String fleet, String model,
                                 String method) {
        return new Packet(Flow.TO_SERVER, protocol, Kind.MESSAGE, server, phoneId, fleet, model, method, 0);
    }

    /** A TCP or TLS connect from the phone's side to the server. */
    public static Packet connect(Protocol protocol, String server, String phoneId, String fleet, String model) {
        return new Packet(Flow.TO_SERVER, protocol, Kind.CONNECT, server, phoneId, fleet, model, null, 0);
    }

    public boolean isRequest() {
        return kind == Kind.MESSAGE && status == 0;
    }

    public boolean isResponse() {
        return kind == Kind.MESSAGE && status != 0;
    }
}
