package io.sipfleet.simulator.scenario;

import io.sipfleet.device.Outputs;
import java.time.Duration;
import java.util.List;

/**
 * What a step (or the steady state) expects. Four kinds, told apart in the file by their keys:
 * <ul>
 *   <li>{@link PhonesState}: {@code on}, {@code state} and/or {@code callState} of a fleet's phones or one phone;</li>
 *   <li>{@link EventSeen}: {@code event} seen by a phone or by a fleet's phones;</li>
 *   <li>{@link NoEvent}: {@code noEvent}: no phone (of the subject) emits that event in the window;</li>
 *   <li>{@link MetricCheck}: {@code metric}: a threshold on a measured figure.</li>
 * </ul>
 * Times count from the start of the step the expectation is in, or of the step named by {@code of}.
 */
public sealed interface Expectation {

    /** The event names of behaviour.md §12 as the APIs carry them. */
    List<String> EVENT_TYPES = List.of("registering", "registered", "register-failed", "failover", "failback-probe",
            "failback-probe-failed", "failback", "call-placed", "call-incoming", "call-rejected", "call-established",
            "call-ended", "call-failed", "key", "hook", "keepalive-timeout");

    /** When it is judged; null: once, when the step's actions and its timed expectations are done. */
    Timing timing();

    /** The step whose start the times count from; null: the step the expectation is in. */
    String of();

    /**
     * "fleet X: N phones (or all) on server S / in state T": line {@code line} of the phones counted.
     *
     * @param on        a server role, {@code none} (no active server), or null (not checked)
     * @param state     the line state, or null (not checked)
     * @param callState the phone's call state, or null (not checked)
     */
    record PhonesState(Subject subject, PhoneCount phones, int line, String on, Outputs.LineState state,
                       Outputs.CallState callState, Timing timing, String of) implements Expectation {}

    /**
     * "phone P: event E within D of step K" (or N phones of a fleet each saw it).
     *
     * @param server    only events concerning this server role count (registered, failback, ...); null: any
     * @param tolerance with {@code at}: how far from the instant the event may be
     */
    record EventSeen(Subject subject, PhoneCount phones, String event, String server, Timing timing,
                     Duration tolerance, String of) implements Expectation {
        public static final Duration DEFAULT_TOLERANCE = Duration.ofMillis(100);
    }

    /**
     * "no event E during the step (or for a window)".
     *
     * @param subject   {@link Subject#EVERY_PHONE} for every phone of the scenario
     * @param timing    {@code for: D}, or null: the whole step
     */
    record NoEvent(Subject subject, String event, Timing timing, String of) implements Expectation {}

    /**
     * A threshold on a metric over the window from the reference instant to the moment it is judged.
     *
     * @param fleet null: every phone
     */
    record MetricCheck(MetricExpression metric, String fleet, Timing timing, String of) implements Expectation {}

    /** One phone, one fleet, or (both null) every phone of the scenario. */
    record Subject(String phone, String fleet) {
        public static final Subject EVERY_PHONE = new Subject(null, null);
    }

    /** How many phones of the subject must satisfy it: all, none, or at least n. */
    record PhoneCount(Kind kind, int n) {
        public static final PhoneCount ALL = new PhoneCount(Kind.ALL, 0);
        public static final PhoneCount NONE = new PhoneCount(Kind.NONE, 0);

        public enum Kind { ALL, NONE, AT_LEAST }

        public static PhoneCount atLeast(int n) {
            return new PhoneCount(Kind.AT_LEAST, n);
        }
    }

    /**
     * An expectation mode: {@code at} a point (checked once, D after the reference), {@code within} a deadline
     * (holds at some moment before D), {@code for} a window (holds throughout D, continuously).
     */
    record Timing(Mode mode, Duration duration) {
        public enum Mode {
            AT, WITHIN, FOR;

            public String key() {
                return name().toLowerCase(java.util.Locale.ROOT);
            }
        }

        public static Timing at(Duration d) {
            return new Timing(Mode.AT, d);
        }

        public static Timing within(Duration d) {
            return new Timing(Mode.WITHIN, d);
        }

        public static Timing forWindow(Duration d) {
            return new Timing(Mode.FOR, d);
        }
    }
}
