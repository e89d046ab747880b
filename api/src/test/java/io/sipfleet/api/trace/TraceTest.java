package io.sipfleet.api.trace;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.is;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code GET /api/phones/{id}/trace} against the built-in servers (T1 = 50 ms): the digest registration on
 * the primary as JSON, the same as a pcap file tshark reads back, as a text ladder; 404 for an unknown phone.
 */
@QuarkusTest
class TraceTest {
    private static final String PASSWORD = "s3cr3t-{user}";

    /** Two phones registered on the primary (each test makes them; they are deleted after it). */
    private static void fleet() {
        given().contentType(ContentType.JSON).body("{\"name\":\"tr\",\"model\":\"V3\",\"count\":2,\"firstUser\":4601,"
                + "\"password\":\"" + PASSWORD + "\",\"line\":{\"registerAddr\":\"127.0.0.2\",\"registerPort\":15060,"
                + "\"backupAddr\":\"127.0.0.3\",\"backupPort\":15060,\"keepAliveInterval\":60}}")
                .post("/api/fleets").then().statusCode(201);
        await().atMost(Duration.ofSeconds(10)).until(() -> labels(trace("tr-1")).contains("received 200 OK"));
    }

    @AfterEach
    void delete() {
        given().delete("/api/fleets/tr").then().statusCode(204);
    }

    private static List<Map<String, Object>> trace(String phone) {
        return given().get("/api/phones/" + phone + "/trace").then().statusCode(200).contentType(ContentType.JSON)
                .extract().jsonPath().getList("$");
    }

    private static List<String> labels(List<Map<String, Object>> trace) {
        return trace.stream().map(m -> m.get("direction") + " " + m.get("label")).toList();
    }

    @Test
    @SuppressWarnings("unchecked")
    void theTraceShowsTheDigestRegistrationOnThePrimaryOldestFirst() {
        fleet();
        List<Map<String, Object>> t = trace("tr-1");
        assertThat(labels(t)).startsWith("sent REGISTER", "received 401 Unauthorized", "sent REGISTER",
                "received 200 OK");
        for (Map<String, Object> m : t.subList(0, 4)) {
            Map<String, Object> server = (Map<String, Object>) m.get("server");
            assertThat(server).containsEntry("name", "primary").containsEntry("address", "127.0.0.2:15060")
                    .containsEntry("transport", "UDP");
            assertThat(m.get("callId")).isEqualTo(t.get(0).get("callId"));
            assertThat((String) m.get("cseq")).endsWith("REGISTER");
            assertThat(m.get("retransmission")).isEqualTo(false);
            assertThat((String) m.get("message")).contains("sip:4601@");
        }
        assertThat(t.get(0).get("method")).isEqualTo("REGISTER");
        assertThat(t.get(1).get("status")).isEqualTo(401);
        assertThat(java.time.Instant.parse((String) t.get(1).get("time")))
                .isAfter(java.time.Instant.parse((String) t.get(0).get("time")));
        assertThat((String) t.get(2).get("message")).contains("Authorization: Digest").contains("response=");
        // the digest response is on the wire; the password never is
        String body = given().get("/api/phones/tr-1/trace").asString();
        assertThat(body).doesNotContain("s3cr3t");
    }

    @Test
    void thePcapExportOpensInTsharkWithTheRegisterAndItsOk(@TempDir Path dir) throws Exception {
        assumeTrue(Files.isExecutable(Path.of("/usr/bin/tshark")), "tshark is not installed (.ci/run installs it)");
        fleet();
        byte[] byAccept = given().accept("application/vnd.tcpdump.pcap").get("/api/phones/tr-1/trace").then()
                .statusCode(200).contentType("application/vnd.tcpdump.pcap").extract().asByteArray();
        byte[] byQuery = given().queryParam("format", "pcap").get("/api/phones/tr-1/trace").then().statusCode(200)
                .contentType("application/vnd.tcpdump.pcap").extract().asByteArray();
        assertThat(byQuery.length).isGreaterThan(24);
        Path file = dir.resolve("tr-1.pcap");
        Files.write(file, byAccept);
        Process p = new ProcessBuilder("tshark", "-r", file.toString(), "-Y", "sip", "-T", "fields", "-e", "ip.src",
                "-e", "ip.dst", "-e", "sip.Method", "-e", "sip.Status-Code", "-e", "sip.CSeq.method")
                .redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).as(out).isZero();
        assertThat(out).containsPattern("127\\.0\\.0\\.1\\s+127\\.0\\.0\\.2\\s+REGISTER")
                .containsPattern("127\\.0\\.0\\.2\\s+127\\.0\\.0\\.1\\s+200\\s+REGISTER");
    }

    @Test
    void theTextLadderHasALinePerMessage() {
        fleet();
        String ladder = given().queryParam("format", "text").get("/api/phones/tr-1/trace").then().statusCode(200)
                .contentType(containsString("text/plain")).extract().asString();
        assertThat(ladder).containsPattern("\\d\\d:\\d\\d:\\d\\d\\.\\d{6}  phone -> primary  REGISTER  \\(CSeq \\d+ REGISTER, Call-ID ")
                .containsPattern("primary -> phone  401 Unauthorized")
                .containsPattern("primary -> phone  200 OK");
        assertThat(given().accept("text/plain").get("/api/phones/tr-1/trace").asString()).contains("phone -> primary");
    }

    @Test
    void anUnknownPhoneIs404AsProblemJsonWhateverTheFormat() {
        fleet();
        given().get("/api/phones/nosuch-1/trace").then().statusCode(404).contentType("application/problem+json")
                .body("status", is(404)).body("detail", containsString("nosuch-1"));
        given().accept("application/vnd.tcpdump.pcap").get("/api/phones/nosuch-1/trace").then().statusCode(404)
                .contentType("application/problem+json");
        given().queryParam("format", "xml").get("/api/phones/tr-1/trace").then().statusCode(400)
                .contentType("application/problem+json").body("field", is("format"));
    }
}
