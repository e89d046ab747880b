package io.sipfleet.device;

import io.sipfleet.device.Outputs.Led;
import io.sipfleet.device.Outputs.LineState;
import io.sipfleet.device.config.LineConfig;
import io.sipfleet.device.config.ServerConfig;
import io.sipfleet.device.event.PhoneEvent;
import io.sipfleet.device.event.ServerFailure;
import io.sipfleet.device.event.ServerRef;
import io.sipfleet.device.sip.Method;
import io.sipfleet.device.sip.Purpose;
import io.sipfleet.device.sip.SipResponse;
import io.sipfleet.device.time.Cancellable;
import java.util.ArrayList;
import java.util.List;

/**
 * One line: its registration (§6), refresh, keep-alive, failure and retry (§9) and failback (§10).
 * A line has at most one REGISTER in flight besides a failback probe: the walk that "owns" the
 * registration; a newer walk that must register preempts it.
 */
final class Line {
    private final PhoneContext ctx;
    private final int number;
    /** Made on first use: the five unused lines of a V3 need none (100,000 phones, 500,000 strings). */
    private String contactUser;
    private LineConfig config = LineConfig.disabled();
    private LineState state = LineState.DISABLED;
    private ServerConfig active;
    private String registerCallId;
    private long registerCseq;
    private int grantedExpires;
    private Walk owner;
    private Attempt probe;
    private Attempt keepalive;
    private Cancellable refreshTimer = Cancellable.NONE;
    private Cancellable keepaliveTimer = Cancellable.NONE;
    private Cancellable failbackTimer = Cancellable.NONE;
    private Cancellable retryTimer = Cancellable.NONE;

    Line(PhoneContext ctx, int number) {
        this.ctx = ctx;
        this.number = number;
    }

    PhoneContext ctx() { return ctx; }
    int number() { return number; }
    String contactUser() {
        String c = contactUser;
        if (c == null) {
            c = ctx.phoneId() + "-L" + number;
            contactUser = c;
        }
        return c;
    }
    LineConfig config() { return config; }
    LineState state() { return state; }
    ServerConfig active() { return active; }

    boolean isRegisteredOn(ServerConfig server) {
        return state == LineState.REGISTERED && active != null && active.index() == server.index();
    }

    Led led() {
        return switch (state) {
            case DISABLED, UNREGISTERED -> Led.OFF;
            case REGISTERING -> Led.BLINKING;
            case REGISTERED -> Led.GREEN;
            case FAILED -> Led.RED;
        };
    }

    /** Servers in walk order: {@code first} (the active server, or Server1 when null), then the others by priority. */
    List<ServerConfig> walkOrder(ServerConfig first) {
        List<ServerConfig> servers = config.servers();
        if (first == null) {
            return servers;
        }
        List<ServerConfig> order = new ArrayList<>(servers.size());
        order.add(first);
        for (ServerConfig s : servers) {
            if (s.index() != first.index()) {
                order.add(s);
            }
        }
        return order;
    }

    // ---- configuration ---------------------------------------------------------------------

    /** Puts a new (already valid) configuration in force; registers it when {@code register}. */
    void configure(LineConfig next, boolean register) {
        stop(!sameAccount(config, next));
        config = next;
        registerCallId = null;
        state = next.enabled() ? LineState.UNREGISTERED : LineState.DISABLED;
        ctx.outputsChanged();
        if (register) {
            startRegistration("config");
        }
    }

    private static boolean sameAccount(LineConfig a, LineConfig b) {
        return a.servers().equals(b.servers()) && a.user().equals(b.user()) && a.domain().equals(b.domain());
    }

    /**
     * Stops every procedure and timer of the line. With {@code unregister}, a line registered on a
     * server removes its binding there (REGISTER with Expires: 0, sent once, result ignored).
     */
    void stop(boolean unregister) {
        if (owner != null) {
            owner.preempt();
        }
        cancelTimers();
        retryTimer.cancel();
        if (unregister && state == LineState.REGISTERED && active != null) {
            new Attempt(ctx, this, new Attempt.Spec(Method.REGISTER, Purpose.UNREGISTER, registerCallId, null, 0),
                    ++registerCseq, active, ctx.timers().transactionTimeout(), IGNORE).start();
        }
        active = null;
        if (state != LineState.DISABLED) {
            state = LineState.UNREGISTERED;
        }
        ctx.outputsChanged();
    }

    private static final Attempt.Outcome IGNORE = new Attempt.Outcome() {
        @Override public void success(Attempt a, SipResponse r) {}
        @Override public void unavailable(Attempt a, String reason) {}
        @Override public void rejected(Attempt a, SipResponse r) {}
    };

    // ---- registration walk (§6, §9) -----------------------------------------------------------

    /**
     * Starts a registration walk. Automatic triggers (retry, keepalive-timeout, cancel-timeout) give
     * way to a walk already registering; manual ones (power-on, manual, config) replace it.
     */
    void startRegistration(String trigger) {
        if (!config.enabled()) {
            return;
        }
        boolean automatic = switch (trigger) {
            case "retry", "keepalive-timeout", "cancel-timeout" -> true;
            default -> false;
        };
        if (owner != null) {
            if (automatic) {
                return;
            }
            owner.preempt();
        }
        if (registerCallId == null) {
            registerCallId = ctx.newCallId();
            registerCseq = 0;
        }
        List<ServerConfig> order = walkOrder(active);
        retryTimer.cancel();
        leaveActive();
        state = LineState.REGISTERING;
        ctx.emit(new PhoneEvent.Registering(ctx.phoneId(), number, ctx.now(), registerCallId,
                ServerRef.of(order.get(0)), trigger));
        ctx.outputsChanged();
        new Walk(this, order, null, false, false).start();
    }

    private void refresh() {
        if (state != LineState.REGISTERED || active == null || owner != null) {
            return; // a walk in progress schedules the next refresh when it succeeds
        }
        new Walk(this, walkOrder(active), null, false, true).start();
    }

    /** A walk is about to REGISTER: it owns the line's registration from now on. */
    void claim(Walk walk) {
        if (owner != null && owner != walk) {
            owner.preempt();
        }
        owner = walk;
        if (state == LineState.FAILED || state == LineState.UNREGISTERED) {
            if (registerCallId == null) {
                registerCallId = ctx.newCallId();
                registerCseq = 0;
            }
            retryTimer.cancel();
            state = LineState.REGISTERING;
            ctx.emit(new PhoneEvent.Registering(ctx.phoneId(), number, ctx.now(), registerCallId, null, "call"));
            ctx.outputsChanged();
        }
    }

    void released(Walk walk) {
        if (owner == walk) {
            owner = null;
        }
    }

    Attempt registerAttempt(ServerConfig server, long budget, Purpose purpose, Attempt.Outcome outcome) {
        int expires = server.ttl();
        return new Attempt(ctx, this, new Attempt.Spec(Method.REGISTER, purpose, registerCallId, null, expires),
                ++registerCseq, server, budget, outcome).start();
    }

    void registerAttemptDone(Attempt a) {
        registerCseq = Math.max(registerCseq, a.cseq());
    }

    /** A walk's REGISTER got its 200 OK on {@code server}. */
    void registered(Walk walk, ServerConfig server, SipResponse response, Attempt a) {
        registerAttemptDone(a);
        boolean changed = state != LineState.REGISTERED || active == null || active.index() != server.index();
        retryTimer.cancel();
        active = server;
        state = LineState.REGISTERED;
        grantedExpires = response.expires() > 0 ? response.expires() : server.ttl();
        scheduleRefresh();
        scheduleKeepalive();
        if (changed) {
            ctx.emit(new PhoneEvent.Registered(ctx.phoneId(), number, ctx.now(), registerCallId,
                    ServerRef.of(server), grantedExpires));
            if (server.index() != 0) {
                scheduleFailback();
            } else {
                cancelFailback();
            }
            ctx.outputsChanged();
        }
    }

    /** The walk moves on from {@code server}: if the line was registered there, it no longer is. */
    void leaving(ServerConfig server) {
        if (active != null && active.index() == server.index()) {
            leaveActive();
            state = LineState.REGISTERING;
            ctx.outputsChanged();
        }
    }

    private void leaveActive() {
        active = null;
        cancelTimers();
    }

    void registrationFailed(List<ServerFailure> failures) {
        leaveActive();
        state = LineState.FAILED;
        long delay = config.registerRetryInterval() * 1000L;
        retryTimer.cancel();
        retryTimer = ctx.scheduler().schedule(delay, () -> startRegistration("retry"));
        ctx.emit(new PhoneEvent.RegisterFailed(ctx.phoneId(), number, ctx.now(), registerCallId, failures,
                ctx.now() + delay));
        ctx.outputsChanged();
    }

    private void cancelTimers() {
        refreshTimer.cancel();
        keepaliveTimer.cancel();
        if (keepalive != null) {
            keepalive.cancel();
            keepalive = null;
        }
        cancelFailback();
    }

    private void cancelFailback() {
        failbackTimer.cancel();
        if (probe != null) {
            probe.cancel();
            probe = null;
        }
    }

    /** §6: refresh at 90% of the granted expiry, less a seeded jitter of up to 5% of it. */
    private void scheduleRefresh() {
        refreshTimer.cancel();
        long expiry = grantedExpires * 1000L;
        long jitter = (long) (ctx.random().nextDouble() * expiry * 0.05);
        refreshTimer = ctx.scheduler().schedule(expiry * 9 / 10 - jitter, this::refresh);
    }

    // ---- keep-alive ------------------------------------------------------------------------------

    private void scheduleKeepalive() {
        keepaliveTimer.cancel();
        if (keepalive != null) {
            keepalive.cancel();
            keepalive = null;
        }
        if (config.keepAliveInterval() > 0) {
            keepaliveTimer = ctx.scheduler().schedule(config.keepAliveInterval() * 1000L, this::sendKeepalive);
        }
    }

    private void sendKeepalive() {
        if (state != LineState.REGISTERED || active == null) {
            return;
        }
        ServerConfig server = active;
        long budget = Budget.of(ctx.profile(), config, Method.OPTIONS, ctx.timers(), config.servers().size() == 1);
        keepalive = new Attempt(ctx, this, new Attempt.Spec(Method.OPTIONS, Purpose.KEEPALIVE, ctx.newCallId(), null, -1),
                1, server, budget, new Attempt.Outcome() {
                    @Override
                    public void success(Attempt a, SipResponse r) {
                        alive();
                    }

                    @Override
                    public void rejected(Attempt a, SipResponse r) {
                        alive(); // any answer but 500/503 shows the server is there
                    }

                    @Override
                    public void unavailable(Attempt a, String reason) {
                        keepalive = null;
                        ctx.emit(new PhoneEvent.KeepaliveTimeout(ctx.phoneId(), number, ctx.now(),
                                a.spec().callId(), ServerRef.of(server), reason));
                        startRegistration("keepalive-timeout");
                    }
                }).start();
    }

    private void alive() {
        keepalive = null;
        keepaliveTimer = ctx.scheduler().schedule(config.keepAliveInterval() * 1000L, this::sendKeepalive);
    }

    // ---- failback (§10) ----------------------------------------------------------------------

    private void scheduleFailback() {
        cancelFailback();
        if (config.enableFailback() && config.servers().size() > 1) {
            failbackTimer = ctx.scheduler().schedule(config.failbackInterval() * 1000L, this::sendProbe);
        }
    }

    private void sendProbe() {
        if (state != LineState.REGISTERED || active == null || active.index() == 0 || probe != null) {
            return;
        }
        ServerConfig primary = config.server(0);
        String callId = ctx.newCallId();
        ctx.emit(new PhoneEvent.FailbackProbe(ctx.phoneId(), number, ctx.now(), callId, ServerRef.of(primary)));
        // a new register dialog; no answer: retransmit until 64*T1, then start the interval again
        probe = new Attempt(ctx, this, new Attempt.Spec(Method.REGISTER, Purpose.FAILBACK_PROBE, callId, null,
                primary.ttl()), 1, primary, ctx.timers().transactionTimeout(), new Attempt.Outcome() {
                    @Override
                    public void success(Attempt a, SipResponse r) {
                        failedBack(a, r);
                    }

                    @Override
                    public void unavailable(Attempt a, String reason) {
                        probeFailed(a, reason);
                    }

                    @Override
                    public void rejected(Attempt a, SipResponse r) {
                        probeFailed(a, Integer.toString(r.status()));
                    }
                });
        probe.start();
    }

    private void failedBack(Attempt a, SipResponse response) {
        probe = null;
        ServerConfig from = active;
        if (owner != null && owner.registrationWalk()) {
            owner.cancel(); // the backup is no longer refreshed; no Expires: 0 is sent there (§10)
        }
        ServerConfig primary = config.server(0);
        registerCallId = a.spec().callId();
        registerCseq = a.cseq();
        active = primary;
        state = LineState.REGISTERED;
        grantedExpires = response.expires() > 0 ? response.expires() : primary.ttl();
        scheduleRefresh();
        scheduleKeepalive();
        failbackTimer.cancel();
        ctx.emit(new PhoneEvent.Failback(ctx.phoneId(), number, ctx.now(), registerCallId, ServerRef.of(primary),
                ServerRef.of(from)));
        ctx.outputsChanged();
    }

    private void probeFailed(Attempt a, String reason) {
        probe = null;
        long delay = config.failbackInterval() * 1000L;
        failbackTimer.cancel();
        failbackTimer = ctx.scheduler().schedule(delay, this::sendProbe);
        ctx.emit(new PhoneEvent.FailbackProbeFailed(ctx.phoneId(), number, ctx.now(), a.spec().callId(),
                ServerRef.of(config.server(0)), reason, ctx.now() + delay));
    }
}
