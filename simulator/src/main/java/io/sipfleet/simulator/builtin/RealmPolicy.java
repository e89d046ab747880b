package io.sipfleet.simulator.builtin;

import java.util.Objects;

/** Which digest realm a server challenges with, given the domain of the request (To of a REGISTER, From of an INVITE). */
@FunctionalInterface
public interface RealmPolicy {
    String realmFor(String domain);

    /** The realm is the request's domain (the host part of its To / From URI): the default. */
    static RealmPolicy domain() {
        return d -> d;
    }

    /** One realm for every domain. */
    static RealmPolicy fixed(String realm) {
        Objects.requireNonNull(realm, "realm");
        return d -> realm;
    }
}
