package io.sipfleet.simulator.builtin;

import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;

/**
 * The SIP accounts a group of built-in servers authenticates: auth user to password, explicit
 * entries first, then an optional rule (for fleets: {@code user -> "pw" + user}). Shared by every
 * server of a group, as a real redundant pair shares its subscriber database. Thread-safe.
 */
public final class Accounts {
    private final Map<String, String> passwords = new ConcurrentHashMap<>();
    private volatile Function<String, String> rule;

    public Accounts() {
    }

    /** Accounts whose password is computed from the user; the rule may answer null for "no such user". */
    public static Accounts withRule(Function<String, String> passwordFor) {
        Accounts a = new Accounts();
        a.setPasswordRule(passwordFor);
        return a;
    }

    /** Adds or replaces one account. */
    public Accounts add(String user, String password) {
        passwords.put(Objects.requireNonNull(user, "user"), Objects.requireNonNull(password, "password"));
        return this;
    }

    public boolean remove(String user) {
        return passwords.remove(user) != null;
    }

    /** Sets (or, with null, clears) the rule for users without an explicit entry. */
    public void setPasswordRule(Function<String, String> passwordFor) {
        this.rule = passwordFor;
    }

    /** The password of an auth user: the explicit entry, else the rule's answer, else empty. */
    public Optional<String> passwordFor(String user) {
        if (user == null) {
            return Optional.empty();
        }
        String p = passwords.get(user);
        if (p != null) {
            return Optional.of(p);
        }
        Function<String, String> r = rule;
        return r == null ? Optional.empty() : Optional.ofNullable(r.apply(user));
    }

    /** Number of explicit entries (the rule is not counted). */
    public int size() {
        return passwords.size();
    }
}
