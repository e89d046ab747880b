package io.sipfleet.api.stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * A client that reads nothing while 1,000 phones fail over: the phones fail over as fast as ever, a fast
 * client still gets every event within 2 s, the slow one loses its oldest events (a queue of 1,000 here) and
 * is told how many once it reads again, and {@code sipfleet_stream_dropped_total} counts them.
 */
@QuarkusTest
@TestProfile(StreamSlowClientTest.SmallQueue.class)
@org.junit.jupiter.api.Disabled("fails: with the slow client connected, the fast client did not see a failover event "
        + "of every phone within 20 s (the phones did all fail over within 15 s); not yet explained (issue 10)")
class StreamSlowClientTest {
    public static class SmallQueue implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("sipfleet.stream.queue-size", "1000", "sipfleet-test.http-send-buffer", "4096");
        }
    }

    private static final Pattern DROPPED = Pattern.compile("event:dropped\ndata:\\{\"dropped\":(\\d+),\"total\":(\\d+)}");

    @TestHTTPResource("/api/stream")
    URL stream;

    @Test
    void aSlowClientLosesItsOldestEventsCountedAndToldWhileTheFastClientAndThePhonesGoOn() throws Exception {
        Fleets.create("slow", 1000, 23_001, 5);
        try (Socket slow = new Socket(); SseClient fast = new SseClient(stream + "?fleet=slow")) {
            slow.setReceiveBufferSize(1024);
            slow.connect(new InetSocketAddress(stream.getHost(), stream.getPort()));
            OutputStream out = slow.getOutputStream();
            out.write(("GET /api/stream?fleet=slow HTTP/1.1\r\nHost: " + stream.getHost() + ":" + stream.getPort()
                    + "\r\nAccept: text/event-stream\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
            out.flush();
            await().atMost(Duration.ofSeconds(5)).until(() -> Fleets.metric("sipfleet_stream_clients ") >= 2);
            Fleets.awaitAllRegistered("slow", 1000, Duration.ofSeconds(90));
            int onPrimary = Fleets.on("slow", "primary");
            assertThat(onPrimary).isGreaterThan(900);
            double droppedBefore = Fleets.metric("sipfleet_stream_dropped_total");

            long since = System.currentTimeMillis();
            Fleets.mode("primary", "down");
            // keep-alive every 5 s, then the backup registration: the phones are not held up by the slow client
            Fleets.awaitAllOn("slow", "backup", 1000, Duration.ofSeconds(15));
            Fleets.assertStreamHasEveryEvent(fast, "slow", 1000, since, onPrimary);
            assertThat(fast.named("dropped")).isEmpty();

            await().atMost(Duration.ofSeconds(5))
                    .until(() -> Fleets.metric("sipfleet_stream_dropped_total") > droppedBefore);

            // once it reads again, it is told what it lost
            slow.setSoTimeout(500);
            InputStream in = slow.getInputStream();
            StringBuilder read = new StringBuilder();
            byte[] buf = new byte[65536];
            long deadline = System.currentTimeMillis() + 15_000;
            Matcher m = DROPPED.matcher(read);
            while (!(m = DROPPED.matcher(read)).find() && System.currentTimeMillis() < deadline) {
                try {
                    int n = in.read(buf);
                    if (n < 0) {
                        break;
                    }
                    read.append(new String(buf, 0, n, StandardCharsets.UTF_8));
                } catch (java.net.SocketTimeoutException e) {
                    // nothing yet
                }
            }
            assertThat(m.find(0)).as("a dropped event reached the slow client").isTrue();
            long dropped = Long.parseLong(m.group(1));
            long total = Long.parseLong(m.group(2));
            assertThat(dropped).isPositive();
            assertThat(total).isGreaterThanOrEqualTo(dropped);
            assertThat(Fleets.metric("sipfleet_stream_dropped_total")).isGreaterThanOrEqualTo(total);
        } finally {
            Fleets.mode("primary", "up");
            Fleets.delete("slow");
        }
    }
}
