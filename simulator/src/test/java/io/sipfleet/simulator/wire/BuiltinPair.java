package io.sipfleet.simulator.wire;

import io.sipfleet.simulator.builtin.Accounts;
import io.sipfleet.simulator.builtin.BuiltinServerGroup;
import io.sipfleet.simulator.kamailio.KamailioPair;

/** The built-in servers as a pair (every user's password is "pw" + user). */
final class BuiltinPair implements RedundantPair {
    private final BuiltinServerGroup group;

    BuiltinPair() throws Exception {
        group = new BuiltinServerGroup(BuiltinServerGroup.Config.primaryBackup("127.0.0.2",
                KamailioPair.freePort("127.0.0.2"), "127.0.0.3", KamailioPair.freePort("127.0.0.3")),
                Accounts.withRule(u -> "pw" + u));
    }

    @Override public String name() { return "built-in"; }
    @Override public String host(String server) { return group.server(server).host(); }
    @Override public int port(String server) { return group.server(server).port(); }
    @Override public void mode(String server, String mode) { group.server(server).setMode(mode); }
    @Override public boolean supportsTls() { return true; }
    @Override public int tlsPort(String server) { return group.server(server).tlsPort(); }
    @Override public void close() { group.close(); }
}
