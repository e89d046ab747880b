package io.sipfleet.simulator.sip;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.sipfleet.device.config.ServerConfig;
import io.sipfleet.device.config.Transport;
import io.sipfleet.device.sip.ClientTransactionListener;
import io.sipfleet.device.sip.InboundRequest;
import io.sipfleet.device.sip.Method;
import io.sipfleet.device.sip.OutboundRequest;
import io.sipfleet.device.sip.Purpose;
import io.sipfleet.device.sip.SipEndpoint;
import io.sipfleet.device.sip.SipResponse;
import io.sipfleet.device.sip.TransportFailure;
import io.sipfleet.simulator.runtime.TaskLoop;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * A request that reaches the wire later than the phone's own timing set for it, past the wire tolerance (30 ms here,
 * so that a send on time is not late on a loaded build machine; the product's is 4 ms),
 * is reported to the phone ({@code onSentLate}, which the phone turns into a {@code sent-late} event marked
 * {@code overloaded}): counting both the lateness of the phone's task that decided it (a budget timer that fired
 * late) and the wait before it left. One sent on time is not.
 */
class SentLateTest {
    private static final java.util.regex.Pattern CALL_ID =
            java.util.regex.Pattern.compile("(?im)^(?:Call-ID|i)\\s*:\\s*(\\S+)");
    private TaskLoop phoneLoop;
    private JainSipSignalling sip;
    private DatagramSocket server;
    private final List<String> late = new CopyOnWriteArrayList<>();
    private final List<String> received = new CopyOnWriteArrayList<>();
    private Thread reader;
    private long ids;

    @BeforeEach
    void start() throws Exception {
        phoneLoop = new TaskLoop("phone-shard");
        int port;
        try (DatagramSocket s = new DatagramSocket(0, InetAddress.getByName("127.0.0.1"))) {
            port = s.getLocalPort();
        }
        sip = new JainSipSignalling(new JainSipSignalling.Settings("127.0.0.1", port, 2, 1000, "test")
                .withWireTolerance(Duration.ofMillis(30)), id -> phoneLoop);
        server = new DatagramSocket(0, InetAddress.getByName("127.0.0.1")); // a silent server: it only reads
        reader = new Thread(() -> {
            byte[] buf = new byte[65_535];
            while (!server.isClosed()) {
                try {
                    DatagramPacket p = new DatagramPacket(buf, buf.length);
                    server.receive(p);
                    java.util.regex.Matcher m = CALL_ID.matcher(new String(p.getData(), 0, p.getLength(),
                            StandardCharsets.UTF_8));
                    if (m.find()) {
                        received.add(m.group(1));
                    }
                } catch (java.io.IOException e) {
                    return; // closed
                }
            }
        });
        reader.start();
    }

    @AfterEach
    void stop() throws Exception {
        sip.close();
        phoneLoop.close();
        server.close();
        reader.join(2_000);
    }

    @Test
    void aRequestDecidedByATaskThatRanLateIsReportedWithItsLatenessAndOneOnTimeIsNot() {
        // the stack's first sends are cold (tens of ms: reported too, rightly); the product warms them at start
        for (int i = 0; i < 20; i++) {
            OutboundRequest warm = register();
            phoneLoop.execute(() -> sip.send(warm));
            await().atMost(Duration.ofSeconds(5)).until(() -> received.contains(warm.callId()));
        }
        java.util.concurrent.atomic.AtomicBoolean settled = new java.util.concurrent.atomic.AtomicBoolean();
        phoneLoop.execute(() -> settled.set(true)); // after every report already handed to the shard
        await().atMost(Duration.ofSeconds(5)).untilTrue(settled);
        late.clear();

        OutboundRequest onTime = register();
        phoneLoop.execute(() -> sip.send(onTime));
        await().atMost(Duration.ofSeconds(5)).until(() -> received.contains(onTime.callId()));

        // the shard is stalled for 120 ms; a "budget timer" due 10 ms from now therefore runs about 110 ms late
        OutboundRequest afterStall = register();
        phoneLoop.execute(() -> sleep(120));
        phoneLoop.schedule(TimeUnit.MILLISECONDS.toNanos(10), () -> sip.send(afterStall));
        await().atMost(Duration.ofSeconds(5)).until(() -> !late.isEmpty());

        assertThat(late).hasSize(1);
        String[] report = late.get(0).split(" ");
        assertThat(report[0]).as("only the request decided late is reported").isEqualTo(afterStall.callId());
        assertThat(Long.parseLong(report[1])).as("its lateness, ms").isBetween(90L, 1_000L);
        assertThat(received).contains(afterStall.callId());
    }

    private static void sleep(long ms) {
        try {
            Thread.sleep(ms); // the stall under test, not a wait
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private OutboundRequest register() {
        ClientTransactionListener l = new ClientTransactionListener() {
            @Override public void onResponse(OutboundRequest r, SipResponse s) { }
            @Override public void onTimeout(OutboundRequest r) { }
            @Override public void onTransportError(OutboundRequest r, TransportFailure f) { }

            @Override
            public void onSentLate(OutboundRequest r, long lateMillis) {
                late.add(r.callId() + " " + lateMillis);
            }
        };
        SipEndpoint endpoint = new SipEndpoint() {
            @Override public String phoneId() { return "p1"; }
            @Override public void onIncomingInvite(InboundRequest invite) { }
            @Override public void onIncomingCancel(InboundRequest cancel) { }
            @Override public void onIncomingBye(InboundRequest bye) { }
        };
        long id = ++ids;
        return new OutboundRequest(id, "p1", 1, Method.REGISTER, Purpose.REGISTER,
                new ServerConfig(0, "127.0.0.1", server.getLocalPort(), 3600, Transport.UDP),
                "late-" + id + "@test", 1, "1001", "", "127.0.0.1", "p1-L1", null, 3600, null, 500, l, endpoint);
    }
}
