package io.sipfleet.simulator.scenario.run;

import io.sipfleet.device.Outputs;
import io.sipfleet.simulator.fleet.PhoneHandle;

/**
 * A phone of a run as the expectations see it, in either clock: a phone of the real simulator (through its
 * {@link PhoneHandle}), a real phone behind a relay (observed on the wire), or a phone of the virtual world. What it shows is read without waiting for the phone.
 */
interface RunPhone {
    String id();

    /** Line 1's state and active server (role), and the call state. */
    PhoneHandle.Brief brief();

    /** Line {@code n}'s state and active server (role), and the call state. */
    PhoneHandle.Brief brief(int line);

    /** A phone of the real simulator. */
    static RunPhone of(PhoneHandle h) {
        return new Real(h);
    }

    /** The real simulator's phone: line 1 from what it keeps current, other lines asked on its shard. */
    record Real(PhoneHandle handle) implements RunPhone {
        @Override
        public String id() {
            return handle.id();
        }

        @Override
        public PhoneHandle.Brief brief() {
            return handle.brief();
        }

        @Override
        public PhoneHandle.Brief brief(int line) {
            if (line == 1) {
                return handle.brief();
            }
            return handle.call(p -> new PhoneHandle.Brief(p.lineState(line), p.activeServer(line), p.callState()));
        }
    }

    /** A real phone behind one of the run's fault relays, observed on the wire. */
    static RunPhone of(io.sipfleet.simulator.relay.ObservedPhone o) {
        return new Observed(o);
    }

    /** A phone behind a relay: what its traffic shows (README "Relay phones"); its events it keeps itself. */
    record Observed(io.sipfleet.simulator.relay.ObservedPhone phone) implements RunPhone {
        @Override
        public String id() {
            return phone.id();
        }

        @Override
        public PhoneHandle.Brief brief() {
            return phone.brief();
        }

        @Override
        public PhoneHandle.Brief brief(int line) {
            return phone.line(line);
        }
    }

    /** The brief of a device-model phone read on its own thread. */
    static PhoneHandle.Brief briefOf(io.sipfleet.device.Phone p, int line) {
        Outputs.CallState call = p.callState();
        return new PhoneHandle.Brief(p.lineState(line), p.activeServer(line), call);
    }
}
