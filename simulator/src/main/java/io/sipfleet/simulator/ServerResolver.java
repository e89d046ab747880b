package io.sipfleet.simulator;

import io.sipfleet.faults.ServerDirectory;
import io.sipfleet.simulator.builtin.BuiltinServer;
import io.sipfleet.simulator.builtin.BuiltinServerGroup;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.Optional;
import java.util.function.Supplier;

/**
 * A server's name as the packets carry it: a built-in server's name gives its address; an external
 * host:port is taken with its host resolved to an address (packets carry addresses). The fault engine's
 * directory, and the one place a relay's upstream or an external server's availability is looked up.
 */
public final class ServerResolver implements ServerDirectory {
    private final Supplier<Optional<BuiltinServerGroup>> builtin;

    /** @param builtin the built-in servers once they run (asked on every lookup: they start after the faults) */
    public ServerResolver(Supplier<Optional<BuiltinServerGroup>> builtin) {
        this.builtin = builtin;
    }

    /** A built-in server by name or by its host:port. */
    public Optional<BuiltinServer> builtin(String name) {
        return builtin.get().flatMap(g -> g.find(name).or(() -> g.servers().stream()
                .filter(b -> b.address().equals(name)).findFirst()));
    }

    /** Whether {@code name} is a host:port that is not a built-in server's. */
    public boolean isExternal(String name) {
        return name.contains(":") && builtin(name).isEmpty();
    }

    @Override
    public Optional<String> resolve(String target) {
        var group = builtin.get();
        if (group.isPresent()) {
            var s = group.get().find(target);
            if (s.isPresent()) {
                return Optional.of(s.get().address());
            }
        }
        return ServerDirectory.HOST_PORT.resolve(target).flatMap(hp -> {
            int colon = hp.lastIndexOf(':');
            String host = hp.substring(0, colon).replace("[", "").replace("]", "");
            try {
                String ip = InetAddress.getByName(host).getHostAddress();
                return Optional.of((ip.indexOf(':') >= 0 ? "[" + ip + "]" : ip) + hp.substring(colon));
            } catch (UnknownHostException e) {
                return Optional.empty();
            }
        });
    }
}
