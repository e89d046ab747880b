package io.sipfleet.api.rest;

/** A command for a real phone the simulator only observes behind a relay: it is not the simulator's to press (409). */
final class ObservedOnly extends RuntimeException {
    ObservedOnly(String id, String what) {
        super("phone " + id + " is a real phone observed behind a relay: the simulator cannot " + what
                + " it; act on it with a fault (phones {\"fleet\":\"relay:{name}\"}) or a server's availability");
    }
}
