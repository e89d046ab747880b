package io.sipfleet.simulator.wire;

import io.sipfleet.simulator.kamailio.KamailioPair;

/** The real Kamailio pair: down = killed (its port closed), up again = restarted. */
final class KamailioRedundantPair implements RedundantPair {
    private final KamailioPair pair = KamailioPair.start();

    @Override public String name() { return "kamailio"; }
    @Override public String host(String server) { return server(server).host(); }
    @Override public int port(String server) { return server(server).port(); }
    /** When Kamailio's tls module is installed (Debian: kamailio-tls-modules); the fixture says why not. */
    @Override public boolean supportsTls() { return pair.supportsTls(); }
    /** The SIP port + 1, as the built-in servers. */
    @Override public int tlsPort(String server) { return server(server).tlsPort(); }

    @Override
    public void mode(String server, String mode) {
        KamailioPair.Server s = server(server);
        if (s.isFrozen()) {
            s.thaw();
        }
        if (s.isTcpBlackholed()) {
            s.tcpBlackhole(false);
        }
        if ("down".equals(mode)) {
            s.kill();
            return;
        }
        if (!s.isRunning()) {
            s.restart();
        }
        s.mode(mode);
    }

    /** Alive but stopped (SIGSTOP): it answers nothing, even TCP connects complete in the kernel. */
    void freeze(String server) {
        server(server).freeze();
    }

    /** TCP SYNs to the server dropped (iptables): a connect never completes. */
    void tcpBlackhole(String server) {
        server(server).tcpBlackhole(true);
    }

    KamailioPair.Server server(String name) {
        return "primary".equals(name) ? pair.primary() : pair.backup();
    }

    @Override
    public void close() {
        pair.close();
    }
}
