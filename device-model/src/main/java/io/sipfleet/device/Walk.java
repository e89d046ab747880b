package io.sipfleet.device;

import io.sipfleet.device.config.ServerConfig;
import io.sipfleet.device.event.PhoneEvent;
import io.sipfleet.device.event.ServerFailure;
import io.sipfleet.device.event.ServerRef;
import io.sipfleet.device.sip.Method;
import io.sipfleet.device.sip.Purpose;
import io.sipfleet.device.sip.SipResponse;
import java.util.ArrayList;
import java.util.List;

/**
 * The walk down a line's server list (behaviour.md §5-§8), one mechanism for all three failovers:
 * at each server, if the line is not registered there, REGISTER first; then (invite and bye
 * failover) send the request there. A server found unavailable for either moves the walk to the
 * next one; every server but the last gets the model's budget, the last 64*T1.
 */
final class Walk {
    /** The request a call needs served at some server: INVITE (§7) or BYE (§8). */
    interface Step {
        Method method();

        /** Sends the request to {@code server}; reports back with {@link Walk#stepUnavailable} or {@link Walk#stepEnded}. */
        Attempt send(Walk walk, ServerConfig server, long budget);

        /** No server of the walk served the request. */
        void failed(Walk walk, List<ServerFailure> failures);
    }

    private final Line line;
    private final List<ServerConfig> order;
    private Step step;
    private final boolean directFirst;
    private final boolean refresh;
    private final List<ServerFailure> failures = new ArrayList<>();
    private int pos;
    private Attempt attempt;
    private boolean registeringPhase;
    private boolean finished;

    /**
     * @param order       servers in walk order
     * @param step        the call's request, or null for a registration walk
     * @param directFirst send the step to the first server without registering there (the dialog's
     *                    route for a BYE)
     * @param refresh     the first REGISTER refreshes the binding on the active server
     */
    Walk(Line line, List<ServerConfig> order, Step step, boolean directFirst, boolean refresh) {
        this.line = line;
        this.order = order;
        this.step = step;
        this.directFirst = directFirst;
        this.refresh = refresh;
    }

    void start() {
        attemptAt(0);
    }

    boolean registrationWalk() {
        return step == null;
    }

    boolean registering() {
        return registeringPhase && !finished;
    }

    boolean finished() {
        return finished;
    }

    /** Calls the walk off: its attempt is abandoned, nothing more is reported. */
    void cancel() {
        finished = true;
        if (attempt != null) {
            attempt.cancel();
        }
        line.released(this);
    }

    /** Another walk takes the registration over: a call's walk fails with reason {@code preempted}. */
    void preempt() {
        if (finished) {
            return;
        }
        cancel();
        if (step != null) {
            failures.add(new ServerFailure(ServerRef.of(order.get(pos)), "REGISTER", "preempted"));
            step.failed(this, failures);
        }
    }

    /**
     * The call no longer needs its request (the user hung up). A walk that is registering carries on
     * as a plain registration walk; one whose request is in flight is called off.
     */
    void detachStep() {
        if (registering()) {
            step = null;
        } else {
            cancel();
        }
    }

    private long budget(int p) {
        return Budget.of(line.ctx().profile(), line.config(),
                registeringPhase ? Method.REGISTER : step.method(), line.ctx().timers(), p == order.size() - 1);
    }

    private void attemptAt(int p) {
        pos = p;
        ServerConfig server = order.get(p);
        if (step != null && ((p == 0 && directFirst) || line.isRegisteredOn(server))) {
            sendStep(server);
            return;
        }
        registeringPhase = true;
        line.claim(this);
        boolean refreshing = refresh && p == 0;
        attempt = line.registerAttempt(server, budget(p), refreshing ? Purpose.REFRESH : Purpose.REGISTER,
                new Attempt.Outcome() {
                    @Override
                    public void success(Attempt a, SipResponse response) {
                        if (finished) {
                            return;
                        }
                        registeringPhase = false;
                        line.registered(Walk.this, server, response, a);
                        if (step == null) {
                            finished = true;
                            line.released(Walk.this);
                        } else {
                            line.released(Walk.this);
                            sendStep(server);
                        }
                    }

                    @Override
                    public void unavailable(Attempt a, String reason) {
                        line.registerAttemptDone(a);
                        serverUnavailable("REGISTER", reason);
                    }

                    @Override
                    public void rejected(Attempt a, SipResponse response) {
                        line.registerAttemptDone(a);
                        failures.add(new ServerFailure(ServerRef.of(server), "REGISTER",
                                Integer.toString(response.status())));
                        end(true);
                    }
                });
    }

    private void sendStep(ServerConfig server) {
        registeringPhase = false;
        attempt = step.send(this, server, budget(pos));
    }

    /** The step's request found its server unavailable. */
    void stepUnavailable(String reason) {
        serverUnavailable(step.method().name(), reason);
    }

    /** The step's request was served or refused by its server: the walk is over. */
    void stepEnded() {
        finished = true;
    }

    private void serverUnavailable(String request, String reason) {
        if (finished) {
            return;
        }
        ServerConfig server = order.get(pos);
        failures.add(new ServerFailure(ServerRef.of(server), request, reason));
        if (pos + 1 < order.size()) {
            ServerConfig next = order.get(pos + 1);
            line.leaving(server);
            line.ctx().emit(new PhoneEvent.Failover(line.ctx().phoneId(), line.number(), line.ctx().now(),
                    attempt == null ? null : attempt.spec().callId(), ServerRef.of(server), ServerRef.of(next),
                    request, reason));
            attemptAt(pos + 1);
        } else {
            end(registeringPhase || step == null);
        }
    }

    private void end(boolean registrationFailed) {
        finished = true;
        line.released(this);
        if (registrationFailed) {
            line.registrationFailed(failures);
        }
        if (step != null) {
            step.failed(this, failures);
        }
    }
}
