package io.sipfleet.simulator.testing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.sipfleet.simulator.builtin.RawSip;
import io.sipfleet.simulator.builtin.RawSip.Msg;
import io.sipfleet.simulator.sip.MalformedMessages;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Predicate;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A hostile SIP peer's moves against the phones' stack, on top of {@link RawSip} and the
 * {@link MalformedCorpus}: filling a corpus message in, waiting for the phones to count it, proving
 * with a well-formed request answered after it that nothing more was counted.
 */
public final class Hostile {
    /** Where hostile peers live: a loopback address of their own. */
    public static final String HOST = "127.0.0.9";
    private static final long WAIT = 5_000;
    private static final AtomicLong N = new AtomicLong();
    private static final Pattern ANSWERED = Pattern.compile("answered (\\d{3})");

    private Hostile() {}

    /**
     * The malformed messages counted from one peer, and how many are expected: each wait is for the
     * exact count from that peer and the exact growth of the total, so a message counted twice, or
     * under another transport or address, fails.
     */
    public static final class Count {
        private final MalformedMessages counted;
        private final String transport;
        private final String address;
        private final long base;
        private long expected;

        public Count(MalformedMessages counted, String transport, String address) {
            this.counted = counted;
            this.transport = transport;
            this.address = address;
            this.base = counted.total();
            this.expected = counted.countOf(transport, address);
        }

        public String address() {
            return address;
        }

        /** Waits until {@code n} more were counted from the peer (0: checks nothing more was). */
        public void awaitMore(Object what, int n) {
            expected += n;
            System.out.printf("[malformed] %s from %s %s: %d expected (%d in all)%n", what, transport, address, n,
                    expected);
            // the stack's own threads may die of what they read (JAIN-SIP's TCP parser does): not the test's failure
            await(String.valueOf(what)).dontCatchUncaughtExceptions().atMost(Duration.ofMillis(WAIT))
                    .pollInterval(Duration.ofMillis(2)).untilAsserted(() -> assertExact(what));
        }

        /** The count from the peer, and the total, are exactly what is expected. */
        public void assertExact(Object what) {
            assertThat(counted.countOf(transport, address)).as("%s: counted from %s %s", what, transport, address)
                    .isEqualTo(expected);
            assertThat(counted.total() - base).as("%s: counted in all since the peer started", what)
                    .isEqualTo(expected);
        }
    }

    /** The values of a corpus response answering {@code register}: its Via, From, To, Call-ID and CSeq lines. */
    public static Map<String, String> answering(Msg register) {
        Map<String, String> v = new LinkedHashMap<>();
        v.put("Via", String.join("\r\n", register.lines("Via")));
        for (String h : List.of("From", "To", "Call-ID", "CSeq")) {
            v.put(h, h + ": " + register.header(h));
        }
        v.put("n", Long.toString(N.incrementAndGet()));
        return v;
    }

    /**
     * The values of a corpus request from {@code peer} ({@code host:port}) over {@code transport}
     * ({@code UDP}, {@code TCP}, {@code TLS}) to the phones' stack at {@code stack}, for {@code ruri}.
     */
    public static Map<String, String> requestValues(String transport, String peer, String stack, String ruri) {
        long n = N.incrementAndGet();
        Map<String, String> v = new LinkedHashMap<>();
        v.put("ruri", ruri);
        v.put("via", "SIP/2.0/" + transport + " " + peer + ";branch=z9hG4bK-hostile" + n);
        v.put("peer", peer);
        v.put("stack", stack);
        v.put("n", Long.toString(n));
        return v;
    }

    /** The status the corpus says a well-formed request is answered with ("answered 404"), or null. */
    public static Integer answeredWith(MalformedCorpus.Entry e) {
        Matcher m = ANSWERED.matcher(e.breaks());
        return m.find() ? Integer.valueOf(m.group(1)) : null;
    }

    /** A well-formed OPTIONS from {@code hostPort} over {@code transport}, with a Call-ID of its own. */
    private static String options(String transport, String hostPort, String ruri, String callId) {
        return new RawSip.Req("OPTIONS", ruri).h("Via", "SIP/2.0/" + transport + " " + hostPort + ";branch=z9hG4bK-"
                        + callId).h("Max-Forwards", "70").h("From", "<sip:hostile@" + hostPort + ">;tag=s")
                .h("To", "<" + ruri + ">").h("Call-ID", callId).h("CSeq", "1 OPTIONS").build();
    }

    /** A well-formed OPTIONS from {@code peer} to the phones' stack, answered 200: what came before was read. */
    public static void sentinel(RawSip.Udp peer, String stackHost, int stackPort, String ruri) throws IOException {
        String callId = "sentinel" + N.incrementAndGet();
        peer.send(options("UDP", peer.hostPort(), ruri, callId), stackHost, stackPort);
        peer.expect(m -> m.isResponse() && m.status() == 200 && callId.equals(m.header("Call-ID")), WAIT,
                "200 to a well-formed OPTIONS");
    }

    /** The same on a TCP or TLS connection: the stack reads it after what came before on the connection. */
    public static void sentinel(RawSip.Tcp connection, String transport, String ruri) throws IOException {
        String callId = "sentinel" + N.incrementAndGet();
        connection.send(options(transport, connection.hostPort(), ruri, callId));
        expect(connection, m -> m.isResponse() && m.status() == 200 && callId.equals(m.header("Call-ID")), WAIT,
                "200 to a well-formed OPTIONS");
    }

    /** The next message on {@code connection} matching {@code what}, others skipped; fails after the time. */
    public static Msg expect(RawSip.Tcp connection, Predicate<Msg> what, long timeoutMs, String description)
            throws IOException {
        long end = System.nanoTime() + timeoutMs * 1_000_000;
        List<Msg> skipped = new ArrayList<>();
        while (true) {
            long left = (end - System.nanoTime()) / 1_000_000;
            if (left <= 0) {
                throw new AssertionError("no " + description + " within " + timeoutMs + " ms; got " + skipped);
            }
            Msg m = connection.receive(left);
            if (m != null && what.test(m)) {
                return m;
            }
            if (m != null) {
                skipped.add(m);
            }
        }
    }

    /**
     * After a corpus message on a TCP or TLS connection and its count: the stack closed the connection,
     * if the corpus says it does (then null), or it reads the next message on it, a well-formed OPTIONS
     * answered 200, and nothing more was counted (then the connection).
     *
     * @param transport {@code TCP} or {@code TLS}
     */
    public static RawSip.Tcp afterMessage(MalformedCorpus.Entry e, RawSip.Tcp connection, String transport,
                                          String ruri, Count count) throws IOException {
        if (e.closes(transport)) {
            assertThat(connection.closedWithin(WAIT)).as("%s: the phones' stack closes the connection", e).isTrue();
            connection.close();
            count.assertExact(e);
            return null;
        }
        sentinel(connection, transport, ruri);
        count.assertExact(e);
        return connection;
    }
}
