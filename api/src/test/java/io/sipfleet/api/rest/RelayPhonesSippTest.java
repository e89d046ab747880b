package io.sipfleet.api.rest;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.hasItems;
import static org.hamcrest.Matchers.is;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import io.sipfleet.simulator.Simulator;
import jakarta.inject.Inject;
import java.io.File;
import java.io.InputStream;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * A real SIP client behind a fault relay, through the REST API: SIPp (standing in for a physical phone) registers
 * with digest through relay {@code p} to the built-in primary, and {@code GET /api/phones?fleet=relay:p} lists it
 * registered on the primary, with its events; commands to it are refused.
 */
@QuarkusTest
class RelayPhonesSippTest {
    private static final String USER = "4951";

    @Inject
    Simulator simulator;

    @AfterEach
    void clean() {
        given().post("/api/reset").then().statusCode(200);
    }

    @Test
    void sippRegisteringThroughRelayPIsListedAsAPhoneOfRelayPRegisteredOnThePrimary() throws Exception {
        Path sippBinary = Path.of("/usr/bin/sipp");
        assumeTrue(Files.isExecutable(sippBinary), "sipp (Debian package sip-tester) is not installed");
        // the built-in servers authenticate the fleets' users; SIPp's is added as an account of its own
        simulator.builtin().orElseThrow().accounts().add(USER, "pw" + USER);
        String listen = given().contentType(ContentType.JSON).body("{\"name\":\"p\",\"upstream\":\"primary\"}")
                .post("/api/relays").then().statusCode(201).extract().path("listen");

        Path dir = Files.createDirectories(Path.of("target", "relay-phones-api"));
        Path xml = dir.resolve("register-digest.xml");
        try (InputStream in = getClass().getResourceAsStream("/sipp/register-digest.xml")) {
            assertThat(in).isNotNull();
            Files.copy(in, xml, StandardCopyOption.REPLACE_EXISTING);
        }
        Path csv = dir.resolve("users.csv");
        Files.writeString(csv, "SEQUENTIAL\n" + USER + ";[authentication username=" + USER + " password=pw" + USER
                + "]\n");
        List<String> cmd = List.of(sippBinary.toString(), listen, "-sf", xml.toAbsolutePath().toString(),
                "-inf", csv.toAbsolutePath().toString(), "-m", "1", "-nd", "-nostdin", "-i", "127.0.0.1",
                "-bind_local", "-p", Integer.toString(freePort()), "-mp", Integer.toString(freePort()),
                "-timeout", "10s", "-timeout_error");
        Process sipp = new ProcessBuilder(cmd).directory(dir.toFile()).redirectErrorStream(true)
                .redirectOutput(dir.resolve("sipp.out").toFile())
                .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null"))).start();
        try {
            assertThat(sipp.waitFor(20, TimeUnit.SECONDS)).as("sipp ended within 20 s").isTrue();
        } finally {
            if (sipp.isAlive()) {
                ProcessHandle.of(sipp.pid()).ifPresent(ProcessHandle::destroyForcibly); // ours, by its PID
            }
        }
        assertThat(sipp.exitValue()).as(String.join(" ", cmd)).isZero();

        String id = USER + "@127.0.0.1";
        given().get("/api/phones?fleet=relay:p").then().statusCode(200).body("total", is(1))
                .body("items[0].id", is(id)).body("items[0].observed", is(true)).body("items[0].user", is(USER))
                .body("items[0].state", is("registered")).body("items[0].activeServer", is("primary"))
                .body("items[0].lastEvents.type", hasItems("registering", "registered"));
        given().get("/api/phones?fleet=relay:p&activeServer=backup").then().statusCode(200).body("total", is(0));
        given().get("/api/phones/" + id).then().statusCode(200).body("lines[0].state", is("registered"))
                .body("lines[0].activeServer", is("primary")).body("lines[0].activeAddress", is("127.0.0.2:15060/UDP"))
                .body("fleets", hasItems("relay:p")).body("requests.primary.REGISTER.transactions", is(2));
        given().get("/api/phones/" + id + "/events").then().statusCode(200)
                .body("type", is(List.of("registering", "registered")))
                .body("[1].server", is("primary")).body("[1].expires", is(120));
        given().contentType(ContentType.JSON).body("{\"state\":\"off\"}").post("/api/phones/" + id + "/hook").then()
                .statusCode(409).contentType("application/problem+json");
        given().post("/api/phones/" + id + "/lines/1/register").then().statusCode(409);
    }

    private static int freePort() throws Exception {
        try (DatagramSocket s = new DatagramSocket(0, InetAddress.getByName("127.0.0.1"))) {
            return s.getLocalPort();
        }
    }
}
