package io.sipfleet.api.control;

import io.sipfleet.api.rest.NotFound;
import io.sipfleet.simulator.Simulator;
import io.sipfleet.device.InvalidInputException;
import io.sipfleet.device.Key;
import io.sipfleet.device.Outputs;
import io.sipfleet.device.Phone;
import io.sipfleet.simulator.fleet.Fleet;
import io.sipfleet.simulator.fleet.PhoneHandle;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;

/**
 * The phone commands both control surfaces give (api.md): hook, keys and manual registration, for one
 * phone or for every phone of a fleet. REST and MQTT parse their own payloads into these calls, so a
 * command means the same on both. Input is checked before anything is done: a refused command changes
 * nothing.
 */
@ApplicationScoped
public class PhoneControl {
    private final Simulator simulator;

    PhoneControl(Simulator simulator) {
        this.simulator = simulator;
    }

    /** @throws NotFound when there is no such phone, or it runs on another instance of the cluster */
    public PhoneHandle phone(String id) {
        return simulator.fleets().phone(id).orElseThrow(() -> {
            var owner = simulator.fleets().ownerElsewhere(id);
            if (owner.isPresent()) {
                var here = simulator.fleets().cluster();
                return NotFound.onAnotherShard("phone '" + id + "' runs on shard " + owner.getAsInt() + " of "
                        + here.count() + "; this instance is shard " + here.index() + " (README \"Scale-out\")");
            }
            return new NotFound("no phone '" + id + "'; phone ids are {fleet}-{i}, i from 1");
        });
    }

    /** @throws NotFound when there is no such fleet */
    public Fleet fleet(String name) {
        return simulator.fleets().fleet(name).orElseThrow(() -> new NotFound("no fleet named '" + name + "'"));
    }

    /** "off" or "on". @throws InvalidInputException naming {@code state} otherwise */
    public static Outputs.Hook parseHook(String state) {
        if (!"off".equals(state) && !"on".equals(state)) {
            throw new InvalidInputException("state", "state must be \"off\" or \"on\", got " + state);
        }
        return "off".equals(state) ? Outputs.Hook.OFF : Outputs.Hook.ON;
    }

    /**
     * A dial string such as "1001#", or a list of key names; every key is checked before any is pressed.
     *
     * @throws InvalidInputException naming {@code keys} or {@code keys[i]}
     */
    public static List<Key> parseKeys(Object keys) {
        if (keys instanceof String s) {
            return Key.parseDialString(s, "keys");
        }
        if (keys instanceof List<?> list) {
            List<String> names = new ArrayList<>(list.size());
            for (int i = 0; i < list.size(); i++) {
                if (!(list.get(i) instanceof String s)) {
                    throw new InvalidInputException("keys[" + i + "]", "a key name is a string such as \"5\" or \"SEND\"");
                }
                names.add(s);
            }
            return Key.parseAll(names, "keys");
        }
        throw new InvalidInputException("keys", "keys is a dial string such as \"1001#\" or a list such as [\"1\",\"SEND\"]");
    }

    /** Waiting for every shard to check a fleet-wide command. */
    private static final long FLEET_CHECK_TIMEOUT_MS = 2_000;

    public void hook(PhoneHandle h, Outputs.Hook state) {
        h.command(p -> p.hook(state));
    }

    /** @throws InvalidInputException when the phone refuses a key (a LINE key of a line it has not) */
    public void keys(PhoneHandle h, List<Key> keys) {
        h.call(p -> {
            checkKeys(null, p, keys);
            return null;
        });
        h.command(p -> p.press(keys));
    }

    /** Manual registration of line {@code n} (§6). @throws NotFound when the phone has no line n */
    public void register(PhoneHandle h, int n) {
        h.call(p -> {
            checkLine(h.id(), p, n);
            return null;
        });
        h.command(p -> p.register(n));
    }

    /** Every phone of the fleet goes off or on hook. @return how many phones */
    public int hook(Fleet f, Outputs.Hook state) {
        // on-hook ends a call (a BYE), off-hook answers a ringing one: one transaction a phone at most
        return each(f, p -> p.hook(state), 1);
    }

    /**
     * Every phone of the fleet presses the keys. A LINE key is checked on every phone first: a key one
     * phone would refuse is pressed on none.
     */
    public int keys(Fleet f, List<Key> keys) {
        PhoneHandle.callAll(f.phones(), p -> {
            checkKeys(p.phoneId(), p, keys);
            return Boolean.TRUE;
        }, FLEET_CHECK_TIMEOUT_MS);
        return each(f, p -> p.press(keys), sipTransactions(keys));
    }

    /**
     * SIP transactions a phone may start at once on these keys: a call placed (SEND, REDIAL, #: an INVITE and its
     * authenticated resend), a call ended (CANCEL: a CANCEL or BYE), else none (digits and SPEAKER only change
     * what the phone shows; a number dialled without SEND goes after the inter-digit timeout, spread by then).
     */
    static int sipTransactions(List<Key> keys) {
        int most = 0;
        for (Key k : keys) {
            most = Math.max(most, switch (k.kind()) {
                case SEND, REDIAL -> 2;
                case DIGIT -> k.digit() == '#' ? 2 : 0;
                case CANCEL -> 1;
                case SPEAKER, LINE -> 0;
            });
        }
        return most;
    }

    /** Every phone of the fleet registers line {@code n}; checked on every phone before any registers. */
    public int register(Fleet f, int n) {
        PhoneHandle.callAll(f.phones(), p -> {
            checkLine(p.phoneId(), p, n);
            if (!p.lineConfig(n).enabled()) {
                throw new InvalidInputException("line", "phone " + p.phoneId() + ": line " + n
                        + " has no server configured");
            }
            return Boolean.TRUE;
        }, FLEET_CHECK_TIMEOUT_MS);
        // a REGISTER and its authenticated resend on each phone: paced at what this instance carries
        simulator.fleets().forEachPaced(f, p -> p.register(n), 2);
        return f.phones().size();
    }

    /** As the phone checks keys before it presses any; {@code id} (or null) prefixes the message in a fleet-wide command. */
    private static void checkKeys(String id, Phone p, List<Key> keys) {
        for (int i = 0; i < keys.size(); i++) {
            Key k = keys.get(i);
            if (k.kind() == Key.Kind.LINE && (k.line() > p.lineCount() || !p.lineConfig(k.line()).enabled())) {
                throw new InvalidInputException(keys.size() == 1 ? "keys" : "keys[" + i + "]",
                        (id == null ? "" : "phone " + id + ": ") + k.label() + ": line " + k.line() + (k.line() > p.lineCount()
                        ? " does not exist on a " + p.profile().name() + " phone" : " has no server configured"));
            }
        }
    }

    private static void checkLine(String id, Phone p, int n) {
        if (n < 1 || n > p.lineCount()) {
            throw new NotFound("phone " + id + " has no line " + n + " (lines 1.." + p.lineCount() + ")");
        }
    }

    /**
     * Carries a checked command out on every phone of the fleet, paced so that a mass command slows itself
     * while the simulator lags (each phone's part on its own shard), and handed out no faster than the
     * measured capacity carries {@code transactionsPerPhone} SIP transactions a phone: what the phones then
     * decide together (their failovers 15*T1 on) does not come in a burst sent late. Returns at once.
     */
    private int each(Fleet f, Consumer<Phone> action, int transactionsPerPhone) {
        simulator.fleets().forEachPaced(f, action, transactionsPerPhone);
        return f.phones().size();
    }
}
