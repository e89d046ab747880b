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
    /**
     * 2 x 20% of T1: the built-in servers run in the phones' JVM, on the same two cores, so their answer
     * times jitter more than a server's own process does (Kamailio keeps 20% of T1).
     */
    @Override public long answerTolerance() { return 2 * FailoverOnTheWireScenarios.TOLERANCE; }
    @Override public void close() { group.close(); }
}
