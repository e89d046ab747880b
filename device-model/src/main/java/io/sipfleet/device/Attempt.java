package io.sipfleet.device;

import io.sipfleet.device.config.ServerConfig;
import io.sipfleet.device.event.PhoneEvent;
import io.sipfleet.device.event.ServerRef;
import io.sipfleet.device.sip.ClientTransactionListener;
import io.sipfleet.device.sip.Credentials;
import io.sipfleet.device.sip.Method;
import io.sipfleet.device.sip.OutboundRequest;
import io.sipfleet.device.sip.Purpose;
import io.sipfleet.device.sip.SipResponse;
import io.sipfleet.device.sip.TransportFailure;
import io.sipfleet.device.time.Cancellable;

/**
 * One request to one server within its budget (behaviour.md §4, §5): the budget timer runs from the
 * first send; any 1xx stops it; 401/407 are answered with credentials in a new transaction with a
 * fresh budget (at most {@value #MAX_CHALLENGES} times); 500/503, a transport failure or the budget
 * running out make the server unavailable; any other final response ends the request on that server.
 */
final class Attempt implements ClientTransactionListener {
    static final int MAX_CHALLENGES = 2;

    /** Where the outcome goes. Exactly one of the final methods is called, once, unless cancelled. */
    interface Outcome {
        default void provisional(Attempt attempt, SipResponse response) {}

        void success(Attempt attempt, SipResponse response);

        void unavailable(Attempt attempt, String reason);

        void rejected(Attempt attempt, SipResponse response);
    }

    /** The fields of the request that do not change between its sends. */
    record Spec(Method method, Purpose purpose, String callId, String target, int expires) {}

    private final PhoneContext ctx;
    private final Line line;
    private final Spec spec;
    private final ServerConfig server;
    private final long budgetMillis;
    private final Outcome outcome;
    private OutboundRequest current;
    private Cancellable budgetTimer = Cancellable.NONE;
    private int challenges;
    private boolean done;
    private boolean provisionalSeen;
    private long cseq;
    /** When the request now in flight was handed to the signalling (simulation clock). */
    private long handedOverAt;

    Attempt(PhoneContext ctx, Line line, Spec spec, long cseq, ServerConfig server, long budgetMillis, Outcome outcome) {
        this.ctx = ctx;
        this.line = line;
        this.spec = spec;
        this.cseq = cseq;
        this.server = server;
        this.budgetMillis = budgetMillis;
        this.outcome = outcome;
    }

    Attempt start() {
        send(null);
        return this;
    }

    ServerConfig server() {
        return server;
    }

    Spec spec() {
        return spec;
    }

    /** The request now in flight (the authenticated one after a challenge). */
    OutboundRequest request() {
        return current;
    }

    long cseq() {
        return cseq;
    }

    boolean done() {
        return done;
    }

    boolean provisionalSeen() {
        return provisionalSeen;
    }

    /** Calls the attempt off: the transaction is abandoned and no outcome is reported. */
    void cancel() {
        if (!done) {
            done = true;
            budgetTimer.cancel();
            ctx.signalling().abandon(current);
        }
    }

    private void send(Credentials credentials) {
        current = ctx.request(line, spec, server, cseq, credentials, this);
        budgetTimer.cancel();
        handedOverAt = ctx.now();
        budgetTimer = ctx.scheduler().schedule(budgetMillis, this::budgetExpired);
        ctx.signalling().send(current);
    }

    private void budgetExpired() {
        if (done) {
            return;
        }
        ctx.signalling().abandon(current);
        finish();
        outcome.unavailable(this, "timeout");
    }

    private void finish() {
        done = true;
        budgetTimer.cancel();
    }

    @Override
    public void onResponse(OutboundRequest request, SipResponse response) {
        if (done || request != current) {
            return;
        }
        if (response.provisional()) {
            // §4: any 1xx stops the clock; the transaction layer's Timer B/F still bounds a non-INVITE
            provisionalSeen = true;
            budgetTimer.cancel();
            outcome.provisional(this, response);
            return;
        }
        // 401/407: answer with credentials; a second challenge only when the nonce went stale,
        // otherwise the credentials were refused and the request ends on this server
        if (response.isChallenge() && response.challenge() != null && challenges < MAX_CHALLENGES
                && (challenges == 0 || response.challenge().stale())) {
            challenges++;
            cseq++;
            provisionalSeen = false;
            send(new Credentials(line.config().authUser(), line.config().password(), response.challenge()));
            return;
        }
        finish();
        if (response.success()) {
            outcome.success(this, response);
        } else if (response.serverUnavailable() && !provisionalSeen) {
            // after a 1xx the server has shown it is there: a 5xx then comes from further on (a refusal)
            outcome.unavailable(this, Integer.toString(response.status()));
        } else {
            outcome.rejected(this, response);
        }
    }

    /** §5: the budget runs from the first send on the wire; when that was later than the hand-over, it starts again from there. */
    @Override
    public void onSent(OutboundRequest request, long atMillis) {
        if (done || request != current || provisionalSeen || atMillis <= handedOverAt) {
            return;
        }
        budgetTimer.cancel();
        budgetTimer = ctx.scheduler().schedule(Math.max(0, atMillis + budgetMillis - ctx.now()), this::budgetExpired);
    }

    /** The request left late for the phone's own timing: said in an event, whether or not the attempt is over. */
    @Override
    public void onSentLate(OutboundRequest request, long lateMillis) {
        ctx.emit(new PhoneEvent.SentLate(ctx.phoneId(), line.number(), ctx.now(), request.callId(),
                ServerRef.of(request.server()), request.method().name(), lateMillis));
    }

    @Override
    public void onTimeout(OutboundRequest request) {
        if (done || request != current) {
            return;
        }
        finish();
        if (provisionalSeen) {
            // the server answered 1xx, so it is available (§4): the request ends there, no failover
            outcome.rejected(this, SipResponse.of(408, "Request Timeout"));
        } else {
            outcome.unavailable(this, "timeout");
        }
    }

    @Override
    public void onTransportError(OutboundRequest request, TransportFailure failure) {
        if (done || request != current) {
            return;
        }
        finish();
        outcome.unavailable(this, failure.reason());
    }
}
