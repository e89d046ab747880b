package io.sipfleet.simulator.scenario.run;

import io.sipfleet.device.Key;
import io.sipfleet.device.Outputs;
import io.sipfleet.device.Phone;
import io.sipfleet.simulator.scenario.Action;
import java.util.List;
import java.util.Optional;
import java.util.function.Consumer;

/**
 * A scenario's action on phones (hook, keys, register) as what it does to one phone, so that the real and the
 * virtual stage carry it out alike and differ only in how they reach their phones.
 *
 * @param transactionsPerPhone the SIP transactions it costs a phone at most (the real stage paces a fleet by it)
 */
record PhoneAction(Action.Target target, Consumer<Phone> apply, int transactionsPerPhone) {
    /** The phone action {@code a} is; empty for an action on servers or faults. */
    static Optional<PhoneAction> of(Action a) {
        if (a instanceof Action.Hook h) {
            Outputs.Hook state = "off".equals(h.state()) ? Outputs.Hook.OFF : Outputs.Hook.ON;
            return Optional.of(new PhoneAction(h.target(), p -> p.hook(state), 1));
        }
        if (a instanceof Action.Keys k) {
            List<Key> keys = Key.parseAll(k.keys(), "keys");
            return Optional.of(new PhoneAction(k.target(), p -> p.press(keys), 2));
        }
        if (a instanceof Action.Register r) {
            int line = r.line();
            return Optional.of(new PhoneAction(r.target(), p -> p.register(line), 2));
        }
        return Optional.empty();
    }
}
