package io.sipfleet.simulator.sip;

import java.io.IOException;
import java.io.InputStream;

/**
 * A TCP connection of a stack whose input is a {@link StreamWatch}: a message the stack gives the
 * connection up on is counted as malformed (transport {@code tcp}, the connection's remote end).
 */
class WatchedSocket extends java.net.Socket {
    private final String stackName;
    private InputStream in;

    /** An unconnected socket (connect it, or accept into it). */
    WatchedSocket(String stackName) {
        this.stackName = stackName;
    }

    @Override
    public synchronized InputStream getInputStream() throws IOException {
        if (in == null) {
            in = new StreamWatch(super.getInputStream(), () -> {
                CountingParserFactory.Sink sink = CountingParserFactory.sinkOf(stackName);
                if (sink != null && getInetAddress() != null) {
                    sink.malformed("tcp", CountingParserFactory.hostPort(getInetAddress(), getPort()));
                }
            });
        }
        return in;
    }
}
