package io.sipfleet.api.security;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;

import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.logging.Handler;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** SIP passwords never appear in responses, events or logs (issue 5), through a whole failover. */
@QuarkusTest
class SecretsNeverLeakTest {
    private static final String SECRET = "Zq9sekretX";
    private final List<String> logged = new CopyOnWriteArrayList<>();
    private final Handler capture = new Handler() {
        @Override
        public void publish(LogRecord r) {
            String m = r.getMessage();
            if (r.getParameters() != null) {
                for (Object p : r.getParameters()) {
                    m += " " + p;
                }
            }
            if (r.getThrown() != null) {
                m += " " + r.getThrown();
            }
            logged.add(m);
        }

        @Override public void flush() { }

        @Override public void close() { }
    };

    private java.util.logging.Level nistBefore;
    private java.util.logging.Level sipfleetBefore;

    @BeforeEach
    void listen() throws InterruptedException {
        Logger root = Logger.getLogger("");
        root.addHandler(capture);
        nistBefore = Logger.getLogger("gov.nist").getLevel();
        sipfleetBefore = Logger.getLogger("io.sipfleet").getLevel();
        Logger.getLogger("gov.nist").setLevel(java.util.logging.Level.ALL); // the stack's debug log too
        Logger.getLogger("io.sipfleet").setLevel(java.util.logging.Level.ALL);
        Thread.sleep(300); // the stack's logger looks its level up again every 250 ms
    }

    @AfterEach
    void stop() {
        Logger.getLogger("").removeHandler(capture);
        // the stack's debug log costs every test after this one dearly: back to what it was
        Logger.getLogger("gov.nist").setLevel(nistBefore);
        Logger.getLogger("io.sipfleet").setLevel(sipfleetBefore);
        given().post("/api/reset").then().statusCode(200);
    }

    @Test
    void aFleetsPasswordIsInNoAnswerEventOrLogLine() throws Exception {
        StringBuilder answers = new StringBuilder();
        answers.append(given().contentType(ContentType.JSON).body("{\"name\":\"sec\",\"model\":\"V3\",\"count\":2,"
                + "\"firstUser\":4501,\"password\":\"" + SECRET + "{user}\",\"line\":{\"registerAddr\":\"127.0.0.2\","
                + "\"registerPort\":15060,\"backupAddr\":\"127.0.0.3\",\"backupPort\":15060,\"keepAliveInterval\":1}}")
                .post("/api/fleets").then().statusCode(201).extract().asString());
        long deadline = System.currentTimeMillis() + 10_000;
        while (!given().get("/api/phones/sec-1").asString().contains("\"registered\"")) {
            assertThat(System.currentTimeMillis()).isLessThan(deadline);
            Thread.sleep(20);
        }
        // a failover and a failback: more requests with credentials, more events, more log lines
        given().contentType(ContentType.JSON).body("{\"mode\":\"503\"}").put("/api/servers/primary/availability")
                .then().statusCode(200);
        given().post("/api/phones/sec-1/lines/1/register").then().statusCode(202);
        Thread.sleep(300); // let the failover's log lines be written (the assertion is on all of them)
        given().contentType(ContentType.JSON).body("{\"mode\":\"up\"}").put("/api/servers/primary/availability")
                .then().statusCode(200);
        answers.append(given().get("/api/phones/sec-1").asString());
        answers.append(given().put("/api/phones/sec-2/lines/1").asString());
        answers.append(given().get("/api/phones?fleet=sec").asString());
        answers.append(given().get("/api/fleets/sec").asString());
        answers.append(given().get("/api/fleets").asString());
        answers.append(given().get("/api/phones/sec-1/events").asString());
        answers.append(given().get("/api/phones/sec-2/events").asString());
        assertThat(answers.toString()).contains("sec-1").contains("****").doesNotContain(SECRET);
        assertThat(logged).as("log lines captured").isNotEmpty();
        assertThat(logged).noneMatch(l -> l != null && l.contains(SECRET));
    }
}
