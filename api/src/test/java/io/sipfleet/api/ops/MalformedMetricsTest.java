package io.sipfleet.api.ops;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.quarkus.test.junit.QuarkusTest;
import java.io.OutputStream;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.junit.jupiter.api.Test;

/**
 * A hostile peer sends the phones' SIP stack malformed messages; {@code /q/metrics} counts them in
 * {@code sipfleet_sip_malformed_total}, by transport and by the peer's {@code host:port}.
 */
@QuarkusTest
class MalformedMetricsTest {
    private static final String HOSTILE = "127.0.0.9";

    @ConfigProperty(name = "sipfleet.sip.bind-address")
    String sipHost;

    @ConfigProperty(name = "sipfleet.sip.port")
    int sipPort;

    /** Malformed SIP of several kinds: each one datagram, each dropped and counted once. */
    private List<byte[]> malformed(String peer) {
        String ruri = "sip:nobody@" + sipHost + ":" + sipPort;
        String via = "Via: SIP/2.0/UDP " + peer + ";branch=z9hG4bK-m";
        String dialog = "From: <sip:h@" + peer + ">;tag=1\r\nTo: <" + ruri + ">\r\nCall-ID: m@" + peer + "\r\n";
        byte[] binary = new byte[200];
        new java.util.Random(9).nextBytes(binary);
        return List.of(
                binary,
                ("SIP/2.0 700 Too High\r\n" + via + "1\r\n" + dialog + "CSeq: 1 REGISTER\r\nContent-Length: 0\r\n\r\n")
                        .getBytes(StandardCharsets.US_ASCII),
                ("SIP/2.0 200 OK\r\n" + via + "2\r\n" + dialog + "Content-Length: 0\r\n\r\n") // no CSeq
                        .getBytes(StandardCharsets.US_ASCII),
                ("OPTIONS " + ruri + " SIP/2.0\r\n" + dialog + "CSeq: 1 OPTIONS\r\nContent-Length: 0\r\n\r\n") // no Via
                        .getBytes(StandardCharsets.US_ASCII),
                ("INVITE " + ruri + " SIP/2.0\r\n" + via + "3\r\n" + dialog + "CSeq: 1 BYE\r\nContent-Length: 0\r\n\r\n")
                        .getBytes(StandardCharsets.US_ASCII),
                ("OPTIONS " + ruri + " SIP/2.0\r\n" + via + "4\r\n" + dialog + "CSeq: 1 OPTIONS\r\nSubject: a\0b\r\n"
                        + "Content-Length: 0\r\n\r\n").getBytes(StandardCharsets.ISO_8859_1),
                new byte[] {0, 0, 0, 0});
    }

    @Test
    void malformedDatagramsAreCountedByTransportAndPeerAddress() throws Exception {
        try (DatagramSocket hostile = new DatagramSocket(new InetSocketAddress(HOSTILE, 0))) {
            String peer = HOSTILE + ":" + hostile.getLocalPort();
            List<byte[]> messages = malformed(peer);
            for (byte[] m : messages) {
                hostile.send(new DatagramPacket(m, m.length, InetAddress.getByName(sipHost), sipPort));
            }
            await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(50)).untilAsserted(() ->
                    assertThat(malformedTotal("udp", peer)).isEqualTo(messages.size()));
        }
    }

    @Test
    void malformedMessagesOnATcpConnectionAreCountedUnderThatConnection() throws Exception {
        try (Socket hostile = new Socket()) {
            hostile.bind(new InetSocketAddress(HOSTILE, 0));
            hostile.connect(new InetSocketAddress(sipHost, sipPort), 2_000);
            String peer = HOSTILE + ":" + hostile.getLocalPort();
            String ruri = "sip:nobody@" + sipHost + ":" + sipPort;
            String dialog = "From: <sip:h@" + peer + ">;tag=1\r\nTo: <" + ruri + ">\r\nCall-ID: t@" + peer + "\r\n";
            OutputStream out = hostile.getOutputStream();
            // two responses without a CSeq: JAIN-SIP drops each and goes on reading the connection
            for (int i = 0; i < 2; i++) {
                out.write(("SIP/2.0 200 OK\r\nVia: SIP/2.0/TCP " + peer + ";branch=z9hG4bK-t" + i + "\r\n" + dialog
                        + "Content-Length: 0\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
            }
            out.flush();
            await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(50)).untilAsserted(() ->
                    assertThat(malformedTotal("tcp", peer)).isEqualTo(2));
        }
    }

    /** The value of {@code sipfleet_sip_malformed_total} for that transport and address; 0 when absent. */
    private static double malformedTotal(String transport, String address) {
        String metrics = given().get("/q/metrics").then().statusCode(200).extract().asString();
        Pattern sample = Pattern.compile("^sipfleet_sip_malformed_total\\{([^}]*)\\} (\\S+)$", Pattern.MULTILINE);
        Matcher m = sample.matcher(metrics);
        while (m.find()) {
            String labels = m.group(1);
            if (labels.contains("transport=\"" + transport + "\"") && labels.contains("address=\"" + address + "\"")) {
                return Double.parseDouble(m.group(2));
            }
        }
        return 0;
    }
}
