package io.sipfleet.api.ops;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.URL;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

/**
 * The Grafana dashboards checked against a real Prometheus (Debian's {@code prometheus}, started here on
 * loopback with the shipped {@code dashboards/grafana/prometheus.yml}, pointed at this test's service and
 * scraping every second). Two fleets fail over from the primary to the backup one after the other and
 * fail back one after the other, so every failover and failback series exists before it rises (a rate of a
 * series born in one burst reads 0). Then every panel's expression and every variable's query evaluates
 * through Prometheus's HTTP API without error, and each returns data with a number in it, except the few
 * in {@link #MAY_BE_EMPTY}. Skipped with a message when prometheus is not installed, as the Kamailio,
 * Mosquitto and tshark tests are; {@code .ci/run} installs it.
 */
@QuarkusTest
class GrafanaDashboardsTest {
    /** Metrics whose series appear only with their first event, which this failover does not cause. */
    static final Map<String, String> MAY_BE_EMPTY = Map.of(
            "sipfleet_calls_total", "no call is placed here",
            "sipfleet_register_failed_total", "the backup answers: no phone fails on every server",
            "sipfleet_sip_malformed_total", "no peer sends malformed SIP here");

    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
    private static Process prometheus;
    private static Path prometheusDir;
    private static String prometheusUrl;

    @TestHTTPResource("/")
    URL service;

    static Path binary() {
        String path = System.getenv().getOrDefault("PATH", "");
        return Stream.concat(Stream.of(path.split(":")), Stream.of("/usr/bin", "/usr/local/bin"))
                .filter(d -> !d.isEmpty()).map(d -> Path.of(d, "prometheus")).filter(Files::isExecutable).findFirst()
                .orElse(null);
    }

    @AfterAll
    static void stopPrometheus() throws Exception {
        if (prometheus != null) {
            prometheus.destroy();
            if (!prometheus.waitFor(10, TimeUnit.SECONDS)) {
                prometheus.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            }
        }
        if (prometheusDir != null) {
            try (Stream<Path> files = Files.walk(prometheusDir)) {
                files.sorted(Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
            }
        }
    }

    @Test
    void everyPanelEvaluatesOnARealPrometheusAfterAFailoverAndAFailback() throws Exception {
        assumeTrue(binary() != null, "prometheus is not installed (apt-get install prometheus; .ci/run installs it):"
                + " the Grafana dashboards cannot be checked against a real Prometheus");
        given().post("/api/reset").then().statusCode(200);
        startPrometheus();
        try {
            Awaitility.await("prometheus scrapes the service").atMost(Duration.ofSeconds(20))
                    .until(() -> values("up{job=\"sipfleet\"} == 1").size() == 1);
            fleet("grafa", 4601);
            fleet("grafb", 4611);
            awaitOn("grafa", "primary", 3);
            awaitOn("grafb", "primary", 3);
            awaitScrapes(2);

            // fleet A fails over first (the primary silent for it alone), fleet B a few scrapes later
            String fault = given().contentType(ContentType.JSON).body("{\"name\":\"graf-silent-a\",\"type\":\"blackhole\","
                    + "\"target\":\"primary\",\"phones\":{\"fleet\":\"grafa\"}}").post("/api/faults").then()
                    .statusCode(201).extract().path("id").toString();
            awaitOn("grafa", "backup", 3);
            awaitSeen("sipfleet_failovers_total{to=\"backup\"}");
            mode("primary", "silent");
            awaitOn("grafb", "backup", 3);
            // fleet B fails back first (A's primary is still silent for it), then A
            mode("primary", "up");
            awaitOn("grafb", "primary", 3);
            awaitSeen("sipfleet_failbacks_total{server=\"primary\"}");
            given().delete("/api/faults/" + fault).then().statusCode(204);
            awaitOn("grafa", "primary", 3);
            Awaitility.await("prometheus sees every phone back on the primary").atMost(Duration.ofSeconds(20))
                    .until(() -> !values("sum(sipfleet_phones_by_active_server{server=\"primary\"}) == 6").isEmpty());
            awaitScrapes(3);

            List<String> failures = new ArrayList<>();
            List<GrafanaDashboards.Expr> all = new ArrayList<>(GrafanaDashboards.panelExpressions());
            all.addAll(GrafanaDashboards.variableExpressions());
            assertThat(all).hasSizeGreaterThan(40);
            int withData = 0;
            List<String> empty = new ArrayList<>();
            for (GrafanaDashboards.Expr e : all) {
                JsonNode answer = query(e.promql());
                if (!"success".equals(answer.path("status").asText())) {
                    failures.add(e + "\n    -> " + answer.path("errorType").asText() + ": " + answer.path("error").asText());
                    continue;
                }
                List<Double> values = values(answer.path("data"));
                boolean number = values.stream().anyMatch(v -> !v.isNaN() && !v.isInfinite());
                if (number) {
                    withData++;
                } else {
                    empty.add(e.toString());
                }
                if (!number && MAY_BE_EMPTY.keySet().stream().noneMatch(e.promql()::contains)) {
                    failures.add(e + "\n    -> no data after a failover and failback: " + answer.path("data"));
                }
            }
            assertThat(failures).as("expressions that failed on Prometheus").isEmpty();
            System.out.printf("GrafanaDashboardsTest: %d expressions evaluated on Prometheus, %d with data; "
                    + "empty (allowed: %s):%n  %s%n", all.size(), withData, MAY_BE_EMPTY.keySet(), String.join("\n  ", empty));
            // the phones are back where they started, and the gauges say so
            assertThat(values("sum(sipfleet_phones_by_active_server{server=\"primary\"})")).containsExactly(6.0);
            assertThat(values("sum(sipfleet_phones_by_state{state=\"registered\"})")).containsExactly(6.0);
        } finally {
            given().post("/api/reset").then().statusCode(200);
        }
    }

    @Test
    void theDashboardsComeWithTheJarToo() throws Exception {
        for (Path f : GrafanaDashboards.files()) {
            String served = given().get("/dashboards/grafana/" + f.getFileName()).then().statusCode(200).extract()
                    .asString();
            // the same dashboard (its uid; the dashboards jar is rebuilt by the reactor, or by install -pl dashboards)
            assertThat(GrafanaDashboards.JSON.readTree(served).path("uid"))
                    .as("/dashboards/grafana/" + f.getFileName()).isEqualTo(GrafanaDashboards.read(f).path("uid"));
        }
        given().get("/dashboards/grafana/prometheus.yml").then().statusCode(200);
    }

    /** Prometheus on a free loopback port, with the shipped scrape config pointed at this service, every 1 s. */
    private void startPrometheus() throws IOException {
        String shipped = Files.readString(GrafanaDashboards.dir().resolve("prometheus.yml"));
        String target = "'" + service.getHost() + ":" + service.getPort() + "'";
        String config = shipped.replace("'127.0.0.1:8080'", target).replace("scrape_interval: 5s", "scrape_interval: 1s")
                .replace("scrape_timeout: 4s", "scrape_timeout: 1s");
        assertThat(config).as("the shipped prometheus.yml names 127.0.0.1:8080 and 5 s").contains(target)
                .doesNotContain("scrape_interval: 5s", "scrape_timeout: 4s");
        prometheusDir = Files.createTempDirectory("sipfleet-prometheus");
        Path file = prometheusDir.resolve("prometheus.yml");
        Files.writeString(file, config);
        int port;
        try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            port = s.getLocalPort();
        }
        prometheusUrl = "http://127.0.0.1:" + port;
        Path log = prometheusDir.resolve("log");
        prometheus = new ProcessBuilder(binary().toString(), "--config.file=" + file,
                "--storage.tsdb.path=" + prometheusDir.resolve("data"), "--web.listen-address=127.0.0.1:" + port,
                "--log.level=warn").redirectErrorStream(true).redirectOutput(log.toFile()).start();
        try {
            Awaitility.await("prometheus ready").atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(100))
                    .until(() -> {
                        if (!prometheus.isAlive()) {
                            throw new IllegalStateException("prometheus exited " + prometheus.exitValue());
                        }
                        try {
                            return get("/-/ready").statusCode() == 200;
                        } catch (IOException e) {
                            return false;
                        }
                    });
        } catch (RuntimeException e) {
            throw new AssertionError("prometheus did not start; its log:\n" + Files.readString(log), e);
        }
    }

    private static HttpResponse<String> get(String path) throws IOException, InterruptedException {
        return HTTP.send(HttpRequest.newBuilder(URI.create(prometheusUrl + path)).timeout(Duration.ofSeconds(5)).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    /** The answer of {@code /api/v1/query} at this instant (an error as Prometheus states it). */
    private static JsonNode query(String promql) throws IOException, InterruptedException {
        HttpResponse<String> r = get("/api/v1/query?query=" + URLEncoder.encode(promql, StandardCharsets.UTF_8));
        return GrafanaDashboards.JSON.readTree(r.body());
    }

    /** The values of a query's answer (a vector, matrix or scalar). */
    private static List<Double> values(JsonNode data) {
        List<Double> out = new ArrayList<>();
        JsonNode result = data.path("result");
        switch (data.path("resultType").asText()) {
            case "vector" -> result.forEach(s -> out.add(Double.parseDouble(s.path("value").get(1).asText())));
            case "matrix" -> result.forEach(s -> s.path("values").forEach(v -> out.add(Double.parseDouble(v.get(1).asText()))));
            case "scalar" -> out.add(Double.parseDouble(result.get(1).asText()));
            default -> { }
        }
        return out;
    }

    private static List<Double> values(String promql) throws IOException, InterruptedException {
        JsonNode answer = query(promql);
        assertThat(answer.path("status").asText()).as(promql + ": " + answer).isEqualTo("success");
        return values(answer.path("data"));
    }

    /** Waits until Prometheus has a series of this selector. */
    private static void awaitSeen(String selector) {
        Awaitility.await("prometheus has " + selector).atMost(Duration.ofSeconds(20))
                .until(() -> !values(selector).isEmpty());
    }

    /** Waits until Prometheus scraped the service this many times more. */
    private static void awaitScrapes(int n) throws Exception {
        String scrapes = "count_over_time(up{job=\"sipfleet\"}[1h])";
        double now = values(scrapes).get(0);
        Awaitility.await(n + " more scrapes").atMost(Duration.ofSeconds(5L + 2L * n))
                .until(() -> values(scrapes).get(0) >= now + n);
    }

    /** Three V3 phones on the built-in servers: keep-alive every second, failback probes every 2 s. */
    private static void fleet(String name, int firstUser) {
        given().contentType(ContentType.JSON).body("{\"name\":\"" + name + "\",\"model\":\"V3\",\"count\":3,"
                + "\"firstUser\":" + firstUser + ",\"password\":\"pw{user}\",\"line\":{\"registerAddr\":\"127.0.0.2\","
                + "\"registerPort\":15060,\"backupAddr\":\"127.0.0.3\",\"backupPort\":15060,\"failbackInterval\":2,"
                + "\"keepAliveInterval\":1}}").post("/api/fleets").then().statusCode(201);
    }

    private static void mode(String server, String mode) {
        given().contentType(ContentType.JSON).body("{\"mode\":\"" + mode + "\"}")
                .put("/api/servers/" + server + "/availability").then().statusCode(200);
    }

    private static void awaitOn(String fleet, String server, int n) {
        Awaitility.await("all " + n + " of " + fleet + " on the " + server).atMost(Duration.ofSeconds(15))
                .pollInterval(Duration.ofMillis(50)).until(() -> {
                    Object v = given().get("/api/fleets/" + fleet).then().statusCode(200).extract()
                            .path("byActiveServer." + server);
                    return v != null && ((Number) v).intValue() == n;
                });
    }
}
