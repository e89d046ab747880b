package io.sipfleet.device;

import io.sipfleet.device.Outputs.CallState;
import io.sipfleet.device.Outputs.Hook;
import io.sipfleet.device.Outputs.LineState;
import io.sipfleet.device.Outputs.Tone;
import io.sipfleet.device.config.LineConfig;
import io.sipfleet.device.config.ServerConfig;
import io.sipfleet.device.event.PhoneEvent;
import io.sipfleet.device.event.PhoneListener;
import io.sipfleet.device.event.ServerFailure;
import io.sipfleet.device.event.ServerRef;
import io.sipfleet.device.sip.ClientTransactionListener;
import io.sipfleet.device.sip.InboundRequest;
import io.sipfleet.device.sip.Method;
import io.sipfleet.device.sip.OutboundRequest;
import io.sipfleet.device.sip.Purpose;
import io.sipfleet.device.sip.SipEndpoint;
import io.sipfleet.device.sip.SipResponse;
import io.sipfleet.device.sip.SipSignalling;
import io.sipfleet.device.sip.TransportFailure;
import io.sipfleet.device.time.Cancellable;
import io.sipfleet.device.time.Scheduler;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * A virtual desk phone of one firmware generation: lines with their failover and failback rules
 * (behaviour.md §5-§10), a hook switch and keypad, and the display, LEDs and tones a person holding
 * it would see (§11), emitting the events of §12.
 *
 * <p>A pure state machine: inputs are method calls (keys, hook, responses, timers), outputs go to
 * its ports. It never blocks, makes no threads and reads no wall clock. Not thread-safe: the runtime
 * calls one phone from one thread at a time (its scheduler's).
 */
public final class Phone implements SipEndpoint {
    private static final ClientTransactionListener NO_RESULT = new ClientTransactionListener() {
        @Override public void onResponse(OutboundRequest r, SipResponse s) {}
        @Override public void onTimeout(OutboundRequest r) {}
        @Override public void onTransportError(OutboundRequest r, TransportFailure f) {}
    };

    private final PhoneContext ctx;
    private final Line[] lines;
    private boolean powered;
    private Hook hook = Hook.ON;
    private boolean speaker;
    private Call call;
    private final List<Call> ending = new ArrayList<>(1);
    private int selectedLine;
    private String lastNumber;
    private Tone tone = Tone.NONE;
    private String notice;
    private Cancellable interDigitTimer = Cancellable.NONE;
    private Cancellable autoAnswerTimer = Cancellable.NONE;

    public Phone(String id, FirmwareProfile profile, PhoneSettings settings, Scheduler scheduler,
                 SipSignalling signalling, PhoneListener listener) {
        Objects.requireNonNull(id, "id");
        this.ctx = new PhoneContext(id, Objects.requireNonNull(profile, "profile"), Objects.requireNonNull(settings, "settings"),
                Objects.requireNonNull(scheduler, "scheduler"), Objects.requireNonNull(signalling, "signalling"),
                listener == null ? PhoneListener.NONE : listener, this);
        this.lines = new Line[profile.lineCount()];
        for (int i = 0; i < lines.length; i++) {
            lines[i] = new Line(ctx, i + 1);
        }
    }

    // ---- identity, configuration and power ---------------------------------------------------------

    @Override
    public String phoneId() {
        return ctx.phoneId();
    }

    public FirmwareProfile profile() {
        return ctx.profile();
    }

    public PhoneSettings settings() {
        return ctx.settings();
    }

    public int lineCount() {
        return lines.length;
    }

    public LineConfig lineConfig(int n) {
        return line(n).config();
    }

    /**
     * Puts a line configuration in force. A configuration is validated when it is built, so the old
     * one stays whenever a new one is refused. On a powered phone the line registers at once (§6: a
     * submitted configuration is a manual registration).
     */
    public void configureLine(int n, LineConfig config) {
        Objects.requireNonNull(config, "config");
        Line line = line(n);
        for (var server : config.servers()) {
            ctx.signalling().prepare(server);
        }
        line.configure(config, powered && config.enabled());
        outputsChanged();
    }

    /** Power on: every enabled line registers (§6). */
    public void powerOn() {
        if (powered) {
            return;
        }
        powered = true;
        for (Line l : lines) {
            l.startRegistration("power-on");
        }
        outputsChanged();
    }

    /** The Contact user of each line ({@code {phone}-L{n}}): how requests from servers find the line. */
    public List<String> contactUsers() {
        List<String> out = new ArrayList<>(lines.length);
        for (Line l : lines) {
            out.add(l.contactUser());
        }
        return out;
    }

    public boolean powered() {
        return powered;
    }

    /** The register command (§6): a manual registration of line {@code n}. */
    public void register(int n) {
        Line line = line(n);
        if (!line.config().enabled()) {
            throw new InvalidInputException("line", "line " + n + " has no server configured");
        }
        if (!powered) {
            powered = true;
        }
        line.startRegistration("manual");
    }

    /**
     * Power off: calls are dropped, every registered line removes its binding (Expires: 0, sent once),
     * every timer stops.
     */
    public void shutdown() {
        interDigitTimer.cancel();
        autoAnswerTimer.cancel();
        for (Call c : allCalls()) {
            if (c.walk != null) {
                c.walk.cancel();
            }
        }
        call = null;
        ending.clear();
        for (Line l : lines) {
            l.stop(true);
        }
        powered = false;
        tone = Tone.NONE;
        notice = null;
        outputsChanged();
    }

    private Line line(int n) {
        if (n < 1 || n > lines.length) {
            throw new InvalidInputException("line", "line " + n + " does not exist; a " + ctx.profile().name()
                    + " phone has lines 1.." + lines.length);
        }
        return lines[n - 1];
    }

    // ---- hook switch and keypad (§11) ---------------------------------------------------------

    public void hook(Hook state) {
        if (state == Hook.OFF) {
            offHook();
        } else {
            onHook();
        }
    }

    /** The handset is lifted. */
    public void offHook() {
        if (hook == Hook.OFF) {
            return;
        }
        hook = Hook.OFF;
        emitHook("off");
        if (speaker) {
            speaker = false; // the audio moves from the loudspeaker to the handset
        } else {
            wentOffHook();
        }
        outputsChanged();
    }

    /** The handset is put down. */
    public void onHook() {
        if (hook == Hook.ON) {
            return;
        }
        hook = Hook.ON;
        emitHook("on");
        if (!speaker) {
            wentOnHook();
        }
        outputsChanged();
    }

    public void press(Key key) {
        press(List.of(key));
    }

    /** Presses keys in order. Every key is checked first: a refused list changes nothing. */
    public void press(List<Key> keys) {
        for (int i = 0; i < keys.size(); i++) {
            Key k = keys.get(i);
            if (k.kind() == Key.Kind.LINE && (k.line() > lines.length || !lines[k.line() - 1].config().enabled())) {
                throw new InvalidInputException(keys.size() == 1 ? "keys" : "keys[" + i + "]",
                        k.label() + ": line " + k.line() + (k.line() > lines.length ? " does not exist on a "
                                + ctx.profile().name() + " phone" : " has no server configured"));
            }
        }
        for (Key k : keys) {
            pressOne(k);
        }
        outputsChanged();
    }

    private void pressOne(Key key) {
        Call c = call;
        ctx.emit(new PhoneEvent.KeyPressed(ctx.phoneId(), c != null ? c.line.number() : displayLineNumber(),
                ctx.now(), c == null ? null : c.callId, key.label()));
        switch (key.kind()) {
            case DIGIT -> digit(key.digit());
            case SEND -> {
                if (c != null && c.state == CallState.DIALING && c.digits.length() > 0) {
                    place();
                } else if (c != null && c.state == CallState.RINGING) {
                    answer();
                }
            }
            case CANCEL -> cancelKey();
            case SPEAKER -> speakerKey();
            case LINE -> lineKey(key.line());
            case REDIAL -> redial();
        }
    }

    private void digit(char d) {
        Call c = call;
        if (c == null) {
            if (d == '#') {
                return;
            }
            c = startDialing(defaultLine());
            if (c == null) {
                return;
            }
        } else if (c.state != CallState.DIALING) {
            return; // in a call: DTMF, not modelled
        }
        if (d == '#') {
            if (c.digits.length() > 0) {
                place();
            }
            return;
        }
        c.digits.append(d);
        tone = Tone.NONE;
        interDigitTimer.cancel();
        interDigitTimer = ctx.scheduler().schedule(ctx.settings().interDigitTimeoutMs(), this::interDigitTimeout);
    }

    private void interDigitTimeout() {
        if (call != null && call.state == CallState.DIALING && call.digits.length() > 0) {
            place();
            outputsChanged();
        }
    }

    private void cancelKey() {
        Call c = call;
        if (c == null) {
            notice = null;
            if (tone == Tone.BUSY) {
                tone = Tone.NONE;
            }
            return;
        }
        switch (c.state) {
            case DIALING -> {
                interDigitTimer.cancel();
                call = null;
                tone = Tone.NONE;
                speaker = false;
            }
            case CALLING -> cancelCall();
            case RINGING -> rejectIncoming();
            case CONNECTED -> hangUp();
            default -> { }
        }
    }

    private void speakerKey() {
        if (speaker) {
            speaker = false;
            if (hook == Hook.ON) {
                wentOnHook();
            }
        } else {
            speaker = true;
            if (hook == Hook.ON) {
                wentOffHook();
            }
        }
    }

    private void lineKey(int n) {
        Line l = lines[n - 1];
        selectedLine = n;
        if (call == null) {
            if (!offHookNow()) {
                speaker = true; // a line key on an idle phone starts hands-free dialing on that line
            }
            startDialing(l);
            tone = Tone.DIAL;
        } else if (call.state == CallState.DIALING) {
            call.line = l;
        }
    }

    private void redial() {
        if (lastNumber == null) {
            notice = "No number to redial";
            return;
        }
        Call c = call;
        if (c == null) {
            c = startDialing(defaultLine());
            if (c == null) {
                return;
            }
        } else if (c.state != CallState.DIALING) {
            return;
        }
        c.digits.setLength(0);
        c.digits.append(lastNumber);
        place();
    }

    private boolean offHookNow() {
        return hook == Hook.OFF || speaker;
    }

    private void wentOffHook() {
        notice = null;
        Call c = call;
        if (c == null) {
            tone = startDialing(defaultLine()) == null ? Tone.NONE : Tone.DIAL;
        } else if (c.state == CallState.RINGING) {
            answer();
        } else if (c.state == CallState.DIALING) {
            tone = c.digits.length() == 0 ? Tone.DIAL : Tone.NONE;
        }
    }

    private void wentOnHook() {
        interDigitTimer.cancel();
        tone = Tone.NONE;
        notice = null;
        Call c = call;
        if (c == null) {
            return;
        }
        switch (c.state) {
            case DIALING -> call = null;
            case CALLING -> cancelCall();
            case CONNECTED -> hangUp();
            default -> { }
        }
    }

    private Call startDialing(Line line) {
        if (line == null) {
            notice = "No line configured";
            return null;
        }
        notice = null;
        call = new Call(line, false);
        call.state = CallState.DIALING;
        return call;
    }

    // ---- outgoing calls: invite failover (§7), CANCEL, bye failover (§8) ----------------------

    private void place() {
        Call c = call;
        interDigitTimer.cancel();
        String number = c.digits.toString();
        lastNumber = number;
        if (!offHookNow()) {
            speaker = true; // placing a pre-dialled number goes hands-free
        }
        c.remote = number;
        c.callId = ctx.newCallId();
        c.state = CallState.CALLING;
        tone = Tone.NONE;
        Line line = c.line;
        if (!line.config().enabled()) {
            callFailed(c, "INVITE", List.of(new ServerFailure(null, "INVITE", "line-disabled")), false);
            return;
        }
        c.walk = new Walk(line, line.walkOrder(line.active()), new InviteStep(c), false, false);
        c.walk.start();
    }

    private final class InviteStep implements Walk.Step {
        private final Call c;

        InviteStep(Call c) {
            this.c = c;
        }

        @Override
        public Method method() {
            return Method.INVITE;
        }

        @Override
        public Attempt send(Walk walk, ServerConfig server, long budget) {
            c.server = server;
            if (!c.placedEmitted) {
                c.placedEmitted = true;
                ctx.emit(new PhoneEvent.CallPlaced(ctx.phoneId(), c.line.number(), ctx.now(), c.callId, c.remote,
                        ServerRef.of(server)));
            }
            c.invite = new Attempt(ctx, c.line, new Attempt.Spec(Method.INVITE, Purpose.CALL, c.callId, c.remote, -1),
                    ++c.cseq, server, budget, new Attempt.Outcome() {
                        @Override
                        public void provisional(Attempt a, SipResponse r) {
                            if (r.status() == 180 || r.status() == 183) {
                                c.ringback = true;
                                if (call == c) {
                                    tone = Tone.RINGBACK;
                                }
                                outputsChanged();
                            }
                        }

                        @Override
                        public void success(Attempt a, SipResponse r) {
                            walk.stepEnded();
                            c.cseq = a.cseq();
                            c.invite = null;
                            ctx.signalling().send(ctx.request(c.line, new Attempt.Spec(Method.ACK, Purpose.CALL, c.callId,
                                    c.remote, -1), server, a.cseq(), null, NO_RESULT));
                            c.state = CallState.CONNECTED;
                            if (call == c) {
                                tone = Tone.NONE;
                            }
                            ctx.emit(new PhoneEvent.CallEstablished(ctx.phoneId(), c.line.number(), ctx.now(),
                                    c.callId, c.remote, ServerRef.of(server), false));
                            outputsChanged();
                        }

                        @Override
                        public void unavailable(Attempt a, String reason) {
                            c.cseq = a.cseq();
                            c.invite = null;
                            walk.stepUnavailable(reason);
                        }

                        @Override
                        public void rejected(Attempt a, SipResponse r) {
                            walk.stepEnded();
                            c.invite = null;
                            int s = r.status();
                            callFailed(c, "INVITE", List.of(new ServerFailure(ServerRef.of(server), "INVITE",
                                    Integer.toString(s))), s == 486 || s == 600 || s == 603);
                        }
                    });
            return c.invite.start();
        }

        @Override
        public void failed(Walk walk, List<ServerFailure> failures) {
            callFailed(c, "INVITE", failures, false);
        }
    }

    private void callFailed(Call c, String request, List<ServerFailure> failures, boolean busy) {
        ctx.emit(new PhoneEvent.CallFailed(ctx.phoneId(), c.line.number(), ctx.now(), c.callId, request, failures));
        ctx.emit(new PhoneEvent.CallEnded(ctx.phoneId(), c.line.number(), ctx.now(), c.callId,
                "BYE".equals(request) ? "bye-failed" : "failed"));
        ending.remove(c);
        if (call == c) {
            call = null;
            notice = busy ? "Busy" : "Call Failed";
            afterCall();
        }
        outputsChanged();
    }

    /** A call is over: hands-free goes idle; a lifted handset hears the busy tone until it is put down. */
    private void afterCall() {
        if (speaker) {
            speaker = false;
            tone = Tone.NONE;
        } else {
            tone = hook == Hook.OFF ? Tone.BUSY : Tone.NONE;
        }
    }

    /** The user gives up an outgoing call before it is answered. */
    private void cancelCall() {
        Call c = call;
        call = null;
        tone = Tone.NONE;
        speaker = false;
        ctx.emit(new PhoneEvent.CallEnded(ctx.phoneId(), c.line.number(), ctx.now(), c.callId, "cancelled"));
        Attempt invite = c.invite;
        if (invite != null && !invite.done()) {
            ServerConfig server = invite.server();
            long budget = Budget.of(ctx.profile(), c.line.config(), Method.CANCEL, ctx.timers(),
                    c.line.config().servers().size() == 1);
            new Attempt(ctx, c.line, new Attempt.Spec(Method.CANCEL, Purpose.CALL, c.callId, c.remote, -1),
                    invite.cseq(), server, budget, new Attempt.Outcome() {
                        @Override public void success(Attempt a, SipResponse r) {}
                        @Override public void rejected(Attempt a, SipResponse r) {}
                        @Override
                        public void unavailable(Attempt a, String reason) {
                            // §6: a CANCEL that times out triggers register failover
                            c.line.startRegistration("cancel-timeout");
                        }
                    }).start();
            c.walk.cancel();
        } else if (c.walk != null) {
            c.walk.detachStep();
        }
    }

    /** The user hangs up an established call: BYE down the walk that starts at the dialog's route (§8). */
    private void hangUp() {
        Call c = call;
        call = null;
        tone = Tone.NONE;
        speaker = false;
        c.state = CallState.ENDING;
        ending.add(c);
        Line line = c.line;
        List<ServerConfig> order = new ArrayList<>();
        order.add(c.server);
        for (ServerConfig s : line.walkOrder(line.active())) {
            if (s.index() != c.server.index()) {
                order.add(s);
            }
        }
        c.walk = new Walk(line, order, new ByeStep(c), true, false);
        c.walk.start();
    }

    private final class ByeStep implements Walk.Step {
        private final Call c;

        ByeStep(Call c) {
            this.c = c;
        }

        @Override
        public Method method() {
            return Method.BYE;
        }

        @Override
        public Attempt send(Walk walk, ServerConfig server, long budget) {
            return new Attempt(ctx, c.line, new Attempt.Spec(Method.BYE, Purpose.CALL, c.callId, c.remote, -1),
                    ++c.cseq, server, budget, new Attempt.Outcome() {
                        @Override
                        public void success(Attempt a, SipResponse r) {
                            walk.stepEnded();
                            ended(c, "local-hangup");
                        }

                        @Override
                        public void rejected(Attempt a, SipResponse r) {
                            walk.stepEnded(); // 481 and the like: the dialog is gone either way
                            ended(c, "local-hangup");
                        }

                        @Override
                        public void unavailable(Attempt a, String reason) {
                            c.cseq = a.cseq();
                            walk.stepUnavailable(reason);
                        }
                    }).start();
        }

        @Override
        public void failed(Walk walk, List<ServerFailure> failures) {
            callFailed(c, "BYE", failures, false);
        }
    }

    private void ended(Call c, String reason) {
        ending.remove(c);
        ctx.emit(new PhoneEvent.CallEnded(ctx.phoneId(), c.line.number(), ctx.now(), c.callId, reason));
        outputsChanged();
    }

    // ---- incoming requests (§11) ------------------------------------------------------------------

    @Override
    public void onIncomingInvite(InboundRequest invite) {
        if (invite.line() < 1 || invite.line() > lines.length || !lines[invite.line() - 1].config().enabled()) {
            ctx.signalling().respond(invite, 404);
            return;
        }
        Line line = lines[invite.line() - 1];
        if (call != null || offHookNow()) {
            ctx.signalling().respond(invite, 486);
            ctx.emit(new PhoneEvent.CallRejected(ctx.phoneId(), line.number(), ctx.now(), invite.callId(),
                    invite.fromUser(), 486));
            return;
        }
        ctx.signalling().respond(invite, 180);
        Call c = new Call(line, true);
        c.callId = invite.callId();
        c.remote = invite.fromUser();
        c.inbound = invite;
        c.state = CallState.RINGING;
        int idx = invite.serverIndex();
        c.server = idx >= 0 && idx < line.config().servers().size() ? line.config().server(idx) : line.active();
        if (c.server == null) {
            c.server = line.config().server(0);
        }
        call = c;
        notice = null;
        tone = Tone.RING;
        ctx.emit(new PhoneEvent.CallIncoming(ctx.phoneId(), line.number(), ctx.now(), c.callId, c.remote,
                ServerRef.of(c.server)));
        if (ctx.settings().autoAnswer()) {
            autoAnswerTimer = ctx.scheduler().schedule(ctx.settings().autoAnswerDelayMs(), () -> {
                if (call == c && c.state == CallState.RINGING) {
                    answer();
                    outputsChanged();
                }
            });
        }
        outputsChanged();
    }

    private void answer() {
        Call c = call;
        autoAnswerTimer.cancel();
        if (!offHookNow()) {
            speaker = true; // answered without lifting the handset: hands-free
        }
        ctx.signalling().respond(c.inbound, 200);
        c.state = CallState.CONNECTED;
        tone = Tone.NONE;
        ctx.emit(new PhoneEvent.CallEstablished(ctx.phoneId(), c.line.number(), ctx.now(), c.callId, c.remote,
                ServerRef.of(c.server), true));
    }

    private void rejectIncoming() {
        Call c = call;
        autoAnswerTimer.cancel();
        ctx.signalling().respond(c.inbound, 486);
        call = null;
        tone = Tone.NONE;
        ctx.emit(new PhoneEvent.CallEnded(ctx.phoneId(), c.line.number(), ctx.now(), c.callId, "rejected"));
    }

    @Override
    public void onIncomingCancel(InboundRequest cancel) {
        Call c = call;
        if (c == null || !c.incoming || c.state != CallState.RINGING || !c.callId.equals(cancel.callId())) {
            ctx.signalling().respond(cancel, 481);
            return;
        }
        ctx.signalling().respond(cancel, 200);
        ctx.signalling().respond(c.inbound, 487);
        autoAnswerTimer.cancel();
        call = null;
        tone = Tone.NONE;
        ctx.emit(new PhoneEvent.CallEnded(ctx.phoneId(), c.line.number(), ctx.now(), c.callId, "caller-cancelled"));
        outputsChanged();
    }

    @Override
    public void onIncomingBye(InboundRequest bye) {
        Call c = call;
        if (c != null && c.state == CallState.CONNECTED && bye.callId().equals(c.callId)) {
            ctx.signalling().respond(bye, 200);
            call = null;
            notice = "Call Ended";
            afterCall();
            ctx.emit(new PhoneEvent.CallEnded(ctx.phoneId(), c.line.number(), ctx.now(), c.callId, "remote-hangup"));
            outputsChanged();
            return;
        }
        for (Call e : ending) {
            if (e.callId.equals(bye.callId())) {
                ctx.signalling().respond(bye, 200);
                e.walk.detachStep(); // a walk that is registering the line carries on as a registration
                ended(e, "remote-hangup");
                return;
            }
        }
        ctx.signalling().respond(bye, 481);
    }

    // ---- outputs -----------------------------------------------------------------------------

    private void emitHook(String state) {
        Call c = call;
        ctx.emit(new PhoneEvent.HookChanged(ctx.phoneId(), c != null ? c.line.number() : displayLineNumber(),
                ctx.now(), c == null ? null : c.callId, state));
    }

    private void outputsChanged() {
        ctx.outputsChanged();
    }

    private List<Call> allCalls() {
        List<Call> all = new ArrayList<>(ending);
        if (call != null) {
            all.add(call);
        }
        return all;
    }

    /** The line a call would go out on: the selected one, else the first registered, else the first enabled. */
    private Line defaultLine() {
        if (selectedLine > 0 && lines[selectedLine - 1].config().enabled()) {
            return lines[selectedLine - 1];
        }
        Line firstEnabled = null;
        for (Line l : lines) {
            if (l.state() == LineState.REGISTERED) {
                return l;
            }
            if (firstEnabled == null && l.config().enabled()) {
                firstEnabled = l;
            }
        }
        return firstEnabled;
    }

    private int displayLineNumber() {
        Line l = defaultLine();
        return l == null ? 1 : l.number();
    }

    public Hook hookState() {
        return hook;
    }

    public boolean speaker() {
        return speaker;
    }

    public Tone tone() {
        return tone;
    }

    public CallState callState() {
        if (call != null) {
            return call.state;
        }
        return ending.isEmpty() ? CallState.IDLE : CallState.ENDING;
    }

    public LineState lineState(int n) {
        return line(n).state();
    }

    /** The role of line {@code n}'s active server ({@code primary}, {@code backup}, ...), or null. */
    public String activeServer(int n) {
        ServerConfig s = line(n).active();
        return s == null ? null : s.role();
    }

    /** The text on the display, top line first. */
    public List<String> display() {
        Call c = call;
        Line l = c != null ? c.line : defaultLine();
        String top;
        if (l == null) {
            top = "No line configured";
        } else {
            String status = switch (l.state()) {
                case REGISTERED -> "Registered";
                case REGISTERING -> "Registering...";
                case FAILED -> "Registration Failed";
                case UNREGISTERED -> "Not registered";
                case DISABLED -> "Line disabled";
            };
            top = "L" + l.number() + " " + l.config().user() + " " + status;
        }
        String bottom;
        if (c == null) {
            bottom = notice != null ? notice : ending.isEmpty() ? "" : "Ending call";
        } else {
            bottom = switch (c.state) {
                case DIALING -> "Dial: " + c.digits;
                case CALLING -> (c.ringback ? "Ringing " : "Calling ") + c.remote;
                case RINGING -> "Incoming call " + c.remote;
                case CONNECTED -> "Connected " + c.remote;
                default -> "";
            };
        }
        return List.of(top, bottom);
    }

    /** Everything a person would see, and the lines' state, as one snapshot (passwords masked). */
    public PhoneView view() {
        Call c = call;
        List<PhoneView.LineView> lv = new ArrayList<>(lines.length);
        for (Line l : lines) {
            ServerConfig a = l.active();
            lv.add(new PhoneView.LineView(l.number(), l.state(), a == null ? null : a.role(),
                    a == null ? null : a.label(), l.led(), l.config().masked()));
        }
        Line dl = defaultLine();
        return new PhoneView(ctx.phoneId(), ctx.profile().name(), hook, speaker, callState(),
                c == null ? null : c.callId, c == null ? null : c.remote, tone, display(),
                c != null ? c.line.number() : dl == null ? 0 : dl.number(), lv);
    }

    @Override
    public String toString() {
        return "Phone[" + ctx.phoneId() + " " + ctx.profile().name() + "]";
    }

    /** A call: dialing, outgoing, incoming or ending. */
    private static final class Call {
        Line line;
        final boolean incoming;
        final StringBuilder digits = new StringBuilder();
        String callId;
        String remote;
        CallState state;
        ServerConfig server;
        long cseq;
        Walk walk;
        Attempt invite;
        InboundRequest inbound;
        boolean ringback;
        boolean placedEmitted;

        Call(Line line, boolean incoming) {
            this.line = line;
            this.incoming = incoming;
        }
    }
}
