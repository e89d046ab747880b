package io.sipfleet.device;

/** The enumerations of what a person sees and hears (behaviour.md §11). */
public final class Outputs {
    private Outputs() {}

    public enum Hook { ON, OFF }

    /** Per-line registration state. */
    public enum LineState { DISABLED, UNREGISTERED, REGISTERING, REGISTERED, FAILED }

    /** A line LED: off, green = registered, blinking = registering / failing over, red = failed. */
    public enum Led { OFF, GREEN, BLINKING, RED }

    public enum Tone { NONE, DIAL, RINGBACK, RING, BUSY }

    /** The foreground call. */
    public enum CallState { IDLE, DIALING, CALLING, RINGING, CONNECTED, ENDING }
}
