package io.sipfleet.device.event;

import java.util.List;

/**
 * The events of behaviour.md §12 (and a few added ones), each with the phone, the line (0 when no
 * line is concerned), the instant on the simulation clock and the SIP Call-ID it concerns (null when
 * none).
 */
public sealed interface PhoneEvent {
    /** The name the APIs use, e.g. {@code register-failed}. */
    String type();

    String phone();

    int line();

    /** Milliseconds on the simulation clock. */
    long at();

    String callId();

    /** A registration walk (§6) starts. trigger: power-on, manual, config, retry, keepalive-timeout, cancel-timeout. */
    record Registering(String phone, int line, long at, String callId, ServerRef server, String trigger)
            implements PhoneEvent {
        public String type() { return "registering"; }
    }

    /** The line is registered on a server (not repeated for a plain refresh on the same server). */
    record Registered(String phone, int line, long at, String callId, ServerRef server, int expires)
            implements PhoneEvent {
        public String type() { return "registered"; }
    }

    /** Every server of the walk failed, or one refused (§9); the next walk starts at {@code retryAt}. */
    record RegisterFailed(String phone, int line, long at, String callId, List<ServerFailure> reasons, long retryAt)
            implements PhoneEvent {
        public RegisterFailed {
            reasons = List.copyOf(reasons);
        }
        public String type() { return "register-failed"; }
    }

    /** A server was found unavailable for {@code request}; the walk goes on to {@code to}. */
    record Failover(String phone, int line, long at, String callId, ServerRef from, ServerRef to, String request,
                    String reason) implements PhoneEvent {
        public String type() { return "failover"; }
    }

    /** The independent REGISTER to Server1 is sent (§10). */
    record FailbackProbe(String phone, int line, long at, String callId, ServerRef server) implements PhoneEvent {
        public String type() { return "failback-probe"; }
    }

    /** Added: the probe got no 200 OK; the next one is due at {@code nextProbeAt}. */
    record FailbackProbeFailed(String phone, int line, long at, String callId, ServerRef server, String reason,
                               long nextProbeAt) implements PhoneEvent {
        public String type() { return "failback-probe-failed"; }
    }

    /** The probe was answered 200 OK: Server1 is the active server again. */
    record Failback(String phone, int line, long at, String callId, ServerRef server, ServerRef from)
            implements PhoneEvent {
        public String type() { return "failback"; }
    }

    /** The first INVITE of a call is sent. */
    record CallPlaced(String phone, int line, long at, String callId, String number, ServerRef server)
            implements PhoneEvent {
        public String type() { return "call-placed"; }
    }

    /** Added: an INVITE arrived and the phone rings. */
    record CallIncoming(String phone, int line, long at, String callId, String from, ServerRef server)
            implements PhoneEvent {
        public String type() { return "call-incoming"; }
    }

    /** Added: an INVITE arrived while busy and was answered 486. */
    record CallRejected(String phone, int line, long at, String callId, String from, int status)
            implements PhoneEvent {
        public String type() { return "call-rejected"; }
    }

    /** The call is connected (outgoing: 200 OK and ACK; incoming: answered). */
    record CallEstablished(String phone, int line, long at, String callId, String remote, ServerRef server,
                           boolean incoming) implements PhoneEvent {
        public String type() { return "call-established"; }
    }

    /**
     * A call that was placed or presented is over, for any reason: {@code local-hangup},
     * {@code remote-hangup}, {@code cancelled}, {@code caller-cancelled}, {@code rejected},
     * {@code failed}, {@code bye-failed}.
     */
    record CallEnded(String phone, int line, long at, String callId, String reason) implements PhoneEvent {
        public String type() { return "call-ended"; }
    }

    /** An INVITE or a BYE failed: every server unavailable (§9) or a final refusal such as 486. */
    record CallFailed(String phone, int line, long at, String callId, String request, List<ServerFailure> reasons)
            implements PhoneEvent {
        public CallFailed {
            reasons = List.copyOf(reasons);
        }
        public String type() { return "call-failed"; }
    }

    /** A key was pressed. */
    record KeyPressed(String phone, int line, long at, String callId, String key) implements PhoneEvent {
        public String type() { return "key"; }
    }

    /** The hook switch moved: {@code off} or {@code on}. */
    record HookChanged(String phone, int line, long at, String callId, String state) implements PhoneEvent {
        public String type() { return "hook"; }
    }

    /** OPTIONS to the active server found it unavailable; a registration walk follows (§6). */
    record KeepaliveTimeout(String phone, int line, long at, String callId, ServerRef server, String reason)
            implements PhoneEvent {
        public String type() { return "keepalive-timeout"; }
    }

    /**
     * Added: {@code request} to {@code server} reached the wire {@code lateMs} after the instant the phone's timing
     * set for it, because the simulator was behind its own work (never the server's doing). The instants that
     * follow from it (a failover 15*T1 later, the REGISTER to the backup) are off by as much; such an event is
     * always marked {@code overloaded}.
     */
    record SentLate(String phone, int line, long at, String callId, ServerRef server, String request, long lateMs)
            implements PhoneEvent {
        public String type() { return "sent-late"; }
    }
}
