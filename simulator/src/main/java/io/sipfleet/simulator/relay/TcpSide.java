package io.sipfleet.simulator.relay;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.text.ParseException;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

/**
 * The relay's TCP: a listener on the relay's port and, for each accepted connection, one connection
 * of its own to the upstream server, opened when the first thing has to go upstream. One selector
 * thread does all of it (accepts, connects, reads, writes, closes); other threads hand it work with
 * {@link #execute}. Bounded: at most {@code maxClients} accepted connections (more are reset), at most
 * {@link #MAX_QUEUED} bytes waiting to be written on one connection (more and it is reset).
 *
 * <p>Unreachable: the client's connection is reset (SO_LINGER 0) and the listener closed, so new
 * connects are refused by the kernel (every client's), until it is opened again after the hold.
 * Reset: the client's connection is reset. A connect verdict of ConnectTimeout (or Drop): nothing goes
 * upstream, what the client sends is dropped, and its connection is reset when the connect timeout
 * is up, as a connect into a black hole ends.
 */
final class TcpSide {
    private static final System.Logger LOG = System.getLogger(TcpSide.class.getName());
    static final int MAX_QUEUED = 1 << 20;

    private final FaultRelay relay;
    private final InetSocketAddress address;
    private final InetSocketAddress upstream;
    private final Selector selector;
    private final Thread thread;
    private final ConcurrentLinkedQueue<Runnable> tasks = new ConcurrentLinkedQueue<>();
    /** Accepted connections by the remote end's "host:port"; changed by the selector thread only. */
    private final Map<String, Conn> accepted = new ConcurrentHashMap<>();
    private final int maxClients;
    private ServerSocketChannel listener;
    private volatile boolean listening;
    private volatile boolean stopped;

    /** One TCP connection: accepted from a client (or a server), or opened by the relay to the upstream. */
    final class Conn {
        final SocketChannel channel;
        final boolean toUpstream;
        final Endpoint remote;
        final StreamFramer framer = new StreamFramer();
        final ArrayDeque<ByteBuffer> queue = new ArrayDeque<>();
        Conn peer;
        SelectionKey key;
        long queued;
        boolean connected;
        boolean blackholed;
        boolean closed;
        long lastActiveNanos = System.nanoTime();
        Future<?> timer;

        Conn(SocketChannel channel, boolean toUpstream, Endpoint remote) {
            this.channel = channel;
            this.toUpstream = toUpstream;
            this.remote = remote;
        }

        @Override
        public String toString() {
            return (toUpstream ? "upstream " : "client ") + remote.hostPort();
        }
    }

    TcpSide(FaultRelay relay, ServerSocketChannel bound, InetSocketAddress upstream, int maxClients) throws IOException {
        this.relay = relay;
        this.listener = bound;
        this.address = (InetSocketAddress) bound.getLocalAddress();
        this.upstream = upstream;
        this.maxClients = maxClients;
        this.selector = Selector.open();
        bound.configureBlocking(false);
        bound.register(selector, SelectionKey.OP_ACCEPT);
        this.listening = true;
        this.thread = new Thread(this::loop, "sipfleet-relay-tcp-" + address.getPort());
        thread.setDaemon(true);
    }

    static ServerSocketChannel open(InetSocketAddress address) throws IOException {
        ServerSocketChannel ch = ServerSocketChannel.open();
        try {
            ch.setOption(StandardSocketOptions.SO_REUSEADDR, true);
            ch.bind(address, 128);
            return ch;
        } catch (IOException | RuntimeException e) {
            ch.close();
            throw e;
        }
    }

    void start() {
        thread.start();
    }

    boolean isListening() {
        return listening;
    }

    int connections() {
        return accepted.size();
    }

    /** Runs {@code r} on the selector thread (at once when already on it). */
    void execute(Runnable r) {
        if (Thread.currentThread() == thread) {
            r.run();
        } else if (!stopped) {
            tasks.add(r);
            selector.wakeup();
        }
    }

    /** The accepted connection whose remote end is {@code hostPort}, if open. Any thread. */
    Conn acceptedConn(String hostPort) {
        Conn c = accepted.get(hostPort);
        return c == null || c.closed ? null : c;
    }

    void close() {
        stopped = true;
        selector.wakeup();
        try {
            thread.join(TimeUnit.SECONDS.toMillis(2));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        // the thread closes everything on its way out; if it never ran, close here
        if (selector.isOpen() && !thread.isAlive()) {
            closeAll();
        }
    }

    // ------------------------------------------------------------------ the selector thread

    private void loop() {
        try {
            while (!stopped) {
                try {
                    selector.select(1000);
                } catch (IOException e) {
                    LOG.log(System.Logger.Level.WARNING, "relay TCP select failed", e);
                    return;
                }
                Runnable task;
                while ((task = tasks.poll()) != null) {
                    try {
                        task.run();
                    } catch (RuntimeException e) {
                        LOG.log(System.Logger.Level.WARNING, "relay TCP task failed", e);
                    }
                }
                for (SelectionKey key : new ArrayList<>(selector.selectedKeys())) {
                    selector.selectedKeys().remove(key);
                    try {
                        handle(key);
                    } catch (RuntimeException e) {
                        LOG.log(System.Logger.Level.WARNING, "relay TCP event failed", e);
                        if (key.attachment() instanceof Conn c) {
                            closePair(c, true);
                        }
                    }
                }
            }
        } finally {
            closeAll();
        }
    }

    private void handle(SelectionKey key) {
        if (!key.isValid()) {
            return;
        }
        if (key.attachment() == null) {
            if (key.isAcceptable()) {
                acceptAll();
            }
            return;
        }
        Conn c = (Conn) key.attachment();
        if (key.isConnectable()) {
            finishConnect(c);
            return;
        }
        if (key.isReadable()) {
            read(c);
        }
        if (!c.closed && key.isValid() && key.isWritable()) {
            flush(c);
        }
    }

    private void acceptAll() {
        while (listener != null) {
            SocketChannel ch;
            try {
                ch = listener.accept();
            } catch (IOException e) {
                LOG.log(System.Logger.Level.DEBUG, "relay TCP accept: " + e);
                return;
            }
            if (ch == null) {
                return;
            }
            Endpoint remote;
            try {
                ch.configureBlocking(false);
                ch.setOption(StandardSocketOptions.TCP_NODELAY, true);
                remote = Endpoint.of('t', (InetSocketAddress) ch.getRemoteAddress());
            } catch (IOException e) {
                resetChannel(ch);
                continue;
            }
            if (accepted.size() >= maxClients) {
                LOG.log(System.Logger.Level.WARNING, "relay: " + maxClients + " TCP clients already: resetting "
                        + remote.hostPort());
                resetChannel(ch);
                relay.countReset();
                continue;
            }
            Conn c = new Conn(ch, false, remote);
            c.connected = true;
            try {
                c.key = ch.register(selector, SelectionKey.OP_READ, c);
            } catch (IOException e) {
                resetChannel(ch);
                continue;
            }
            accepted.put(remote.hostPort(), c);
            relay.connectAccepted(c);
        }
    }

    /** A ConnectTimeout (or Drop) verdict on the connect: hold the connection, drop its data, reset it later. */
    void blackhole(Conn client, long connectTimeoutMs) {
        client.blackholed = true;
        client.timer = relay.schedule(() -> execute(() -> {
            if (!client.closed) {
                relay.countReset();
                closePair(client, true);
            }
        }), connectTimeoutMs);
    }

    /** The relay's connection to the upstream for {@code client}, opened (connect started) when needed. */
    private Conn upstreamOf(Conn client) {
        if (client.peer != null) {
            return client.peer.closed ? null : client.peer;
        }
        if (client.closed) {
            return null;
        }
        SocketChannel ch = null;
        try {
            ch = SocketChannel.open();
            ch.configureBlocking(false);
            ch.setOption(StandardSocketOptions.TCP_NODELAY, true);
            Conn up = new Conn(ch, true, Endpoint.of('t', upstream));
            up.peer = client;
            client.peer = up;
            boolean done = ch.connect(upstream);
            up.connected = done;
            up.key = ch.register(selector, done ? SelectionKey.OP_READ : SelectionKey.OP_CONNECT, up);
            if (!done) {
                up.timer = relay.schedule(() -> execute(() -> {
                    if (!up.connected && !up.closed) {
                        LOG.log(System.Logger.Level.DEBUG, "relay: connect to " + upstream + " timed out");
                        relay.countReset();
                        closePair(client, true);
                    }
                }), relay.connectTimeoutMs());
            }
            return up;
        } catch (IOException e) {
            LOG.log(System.Logger.Level.DEBUG, "relay: connect to " + upstream + " failed: " + e);
            if (ch != null) {
                resetChannel(ch);
            }
            relay.countReset();
            closePair(client, true);
            return null;
        }
    }

    private void finishConnect(Conn up) {
        try {
            if (!up.channel.finishConnect()) {
                return;
            }
        } catch (IOException e) {
            // refused, unreachable: the client sees what a phone sees when a server's port closes
            LOG.log(System.Logger.Level.DEBUG, "relay: connect to " + upstream + " failed: " + e);
            relay.countReset();
            closePair(up, true);
            return;
        }
        up.connected = true;
        cancelTimer(up);
        up.key.interestOps(SelectionKey.OP_READ | (up.queue.isEmpty() ? 0 : SelectionKey.OP_WRITE));
    }

    private void read(Conn c) {
        ByteBuffer buf = ByteBuffer.allocate(16 * 1024);
        int n;
        try {
            n = c.channel.read(buf);
        } catch (IOException e) {
            // reset by the peer: an upstream reset is passed on to the client as a reset
            closePair(c, c.toUpstream);
            return;
        }
        if (n < 0) {
            closePair(c, false);
            return;
        }
        if (n == 0) {
            return;
        }
        c.lastActiveNanos = System.nanoTime();
        buf.flip();
        List<StreamFramer.Frame> frames;
        try {
            frames = c.framer.feed(buf);
        } catch (ParseException | RuntimeException e) {
            LOG.log(System.Logger.Level.DEBUG, "relay: cannot frame the stream from " + c + ": " + e.getMessage());
            relay.countMalformed();
            relay.countReset();
            closePair(c, true);
            return;
        }
        for (StreamFramer.Frame f : frames) {
            if (c.closed) {
                return;
            }
            if (c.blackholed) {
                relay.countDropped();
                continue;
            }
            relay.receivedTcp(c, f.keepalive(), f.bytes());
        }
    }

    /**
     * Queues bytes on an open connection, writing at once what the socket takes.
     *
     * @return false when the connection is closed
     */
    boolean write(Conn c, byte[] bytes) {
        if (c == null || c.closed) {
            return false;
        }
        if (c.queued + bytes.length > MAX_QUEUED) {
            LOG.log(System.Logger.Level.WARNING, "relay: more than " + MAX_QUEUED + " bytes queued for " + c + ": reset");
            relay.countReset();
            closePair(c, true);
            return false;
        }
        c.queue.add(ByteBuffer.wrap(bytes));
        c.queued += bytes.length;
        c.lastActiveNanos = System.nanoTime();
        if (c.connected) {
            flush(c);
        }
        return !c.closed;
    }

    /** Queues bytes on the relay's upstream connection for {@code client}, opening it if needed. */
    boolean writeUpstream(Conn client, byte[] bytes) {
        Conn up = upstreamOf(client);
        return up != null && write(up, bytes);
    }

    private void flush(Conn c) {
        try {
            while (!c.queue.isEmpty()) {
                ByteBuffer b = c.queue.peek();
                int n = c.channel.write(b);
                c.queued -= n;
                if (b.hasRemaining()) {
                    break;
                }
                c.queue.poll();
            }
        } catch (IOException e) {
            closePair(c, c.toUpstream);
            return;
        }
        if (c.key != null && c.key.isValid()) {
            c.key.interestOps(SelectionKey.OP_READ | (c.queue.isEmpty() ? 0 : SelectionKey.OP_WRITE));
        }
    }

    /** Resets the client end of {@code c}'s pair (RST) and closes the relay's upstream connection. */
    void resetClient(Conn c) {
        Conn client = c.toUpstream ? c.peer : c;
        if (client != null && !client.closed) {
            relay.countReset(); // before the RST leaves
            closePair(client, true);
        }
    }

    /**
     * Unreachable: the listener closed (counted first, before anything a client can see), the client's
     * connection reset, the listener opened again after {@code holdMs}.
     */
    void unreachable(Conn c, long holdMs) {
        if (listener != null) {
            ServerSocketChannel l = listener;
            listener = null;
            listening = false;
            relay.countUnreachable();
            try {
                l.close();
                selector.selectNow(); // deregisters it: the port is closed now, not at the next select
            } catch (IOException e) {
                LOG.log(System.Logger.Level.DEBUG, "relay: closing the TCP listener: " + e);
            }
            relay.schedule(() -> execute(this::reopen), holdMs);
        }
        if (c != null) {
            resetClient(c);
        }
    }

    private void reopen() {
        if (stopped || listener != null) {
            return;
        }
        try {
            ServerSocketChannel l = open(address);
            l.configureBlocking(false);
            l.register(selector, SelectionKey.OP_ACCEPT);
            listener = l;
            listening = true;
        } catch (IOException e) {
            LOG.log(System.Logger.Level.WARNING, "relay TCP port " + address + " cannot be opened again (" + e
                    + "): retrying in " + relay.holdMs() + " ms");
            relay.schedule(() -> execute(this::reopen), relay.holdMs());
        }
    }

    /** Closes connections idle for longer than {@code idleNanos} (FIN, both ends of the pair). */
    void closeIdle(long idleNanos) {
        long now = System.nanoTime();
        for (Conn c : List.copyOf(accepted.values())) {
            long last = Math.max(c.lastActiveNanos, c.peer == null ? Long.MIN_VALUE : c.peer.lastActiveNanos);
            if (now - last > idleNanos) {
                closePair(c, false);
            }
        }
    }

    /** Closes {@code c} and its peer: the client end with a reset when {@code resetClient}. */
    void closePair(Conn c, boolean resetClient) {
        Conn client = c.toUpstream ? c.peer : c;
        Conn up = c.toUpstream ? c : c.peer;
        if (client != null) {
            closeConn(client, resetClient);
        }
        if (up != null) {
            closeConn(up, false);
        }
    }

    private void closeConn(Conn c, boolean reset) {
        if (c.closed) {
            return;
        }
        c.closed = true;
        cancelTimer(c);
        if (!c.toUpstream) {
            accepted.remove(c.remote.hostPort(), c);
        }
        if (c.key != null) {
            c.key.cancel();
        }
        if (reset) {
            resetChannel(c.channel);
        } else {
            try {
                c.channel.close();
            } catch (IOException ignored) {
                // closing anyway
            }
        }
        c.queue.clear();
        c.queued = 0;
    }

    private static void cancelTimer(Conn c) {
        if (c.timer != null) {
            c.timer.cancel(false);
            c.timer = null;
        }
    }

    /** Closes with SO_LINGER 0: the kernel sends RST instead of FIN. */
    private static void resetChannel(SocketChannel ch) {
        try {
            ch.setOption(StandardSocketOptions.SO_LINGER, 0);
        } catch (IOException | RuntimeException ignored) {
            // closed already
        }
        try {
            ch.close();
        } catch (IOException ignored) {
            // closing anyway
        }
    }

    private void closeAll() {
        for (SelectionKey key : selector.keys()) {
            if (key.attachment() instanceof Conn c) {
                closeConn(c, false);
            }
        }
        accepted.clear();
        if (listener != null) {
            try {
                listener.close();
            } catch (IOException ignored) {
                // closing anyway
            }
            listener = null;
        }
        listening = false;
        try {
            selector.close();
        } catch (IOException ignored) {
            // closing anyway
        }
    }
}
