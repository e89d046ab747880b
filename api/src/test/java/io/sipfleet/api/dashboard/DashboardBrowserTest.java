package io.sipfleet.api.dashboard;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import java.net.URL;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.openqa.selenium.By;
import org.openqa.selenium.WebElement;

/**
 * The built-in dashboard in a real Chromium, against the service and its built-in servers (T1 = 50 ms in tests;
 * no demo fleet: each test creates its fleet through REST). Each page is saved as target/screenshots/*.png.
 */
@QuarkusTest
class DashboardBrowserTest {
    private static Browser browser;

    @TestHTTPResource("/dashboards/")
    URL dashboards;

    @BeforeAll
    static void startBrowser() {
        browser = Browser.start();
    }

    @AfterAll
    static void stopBrowser() {
        if (browser != null) {
            browser.close();
        }
    }

    @BeforeEach
    void clean() {
        given().post("/api/reset").then().statusCode(200);
    }

    @AfterEach
    void cleanAndShowTheConsole() {
        String console = browser.console();
        if (!console.isBlank()) {
            System.out.println("browser console:\n" + console);
        }
        clean();
    }

    private static void createFleet(String name, int count, long firstUser, boolean autoAnswer) {
        given().contentType(ContentType.JSON).body("{\"name\":\"" + name + "\",\"model\":\"V3\",\"count\":" + count
                        + ",\"firstUser\":" + firstUser + ",\"password\":\"pw{user}\",\"autoAnswer\":" + autoAnswer
                        + ",\"line\":{\"registerAddr\":\"127.0.0.2\",\"registerPort\":15060,\"backupAddr\":\"127.0.0.3\","
                        + "\"backupPort\":15060,\"keepAliveInterval\":1,\"failbackInterval\":2}}")
                .post("/api/fleets").then().statusCode(201);
        await("fleet " + name + " registered on the primary").atMost(Duration.ofSeconds(15))
                .until(() -> onServer(name, "primary") == count);
    }

    @SuppressWarnings("unchecked")
    private static int onServer(String fleet, String server) {
        Map<String, Object> by = given().get("/api/fleets/" + fleet).jsonPath().getMap("byActiveServer");
        Object n = by == null ? null : by.get(server);
        return n == null ? 0 : ((Number) n).intValue();
    }

    private String page(String path) {
        return dashboards.toString() + path;
    }

    private String tile(String key) {
        return browser.driver.findElement(By.cssSelector("[data-tile=\"" + key + "\"] .value")).getText();
    }

    private void awaitTile(String key, String value, Duration within) {
        browser.waiting(within).withMessage("tile " + key + " = " + value)
                .until(d -> value.equals(tile(key)));
    }

    /** The last point the chart of phones by active server has for a series (primary, backup, ...). */
    private long chartLast(String series) {
        Object v = browser.driver.executeScript("const h = window.sipfleetOverview.history;"
                + " return h.length ? h[h.length - 1][arguments[0]] : -1;", series);
        return ((Number) v).longValue();
    }

    @Test
    void theOverviewShowsTheFleetRegisteredAndFollowsItToTheBackupAndBack() throws Exception {
        createFleet("ui", 4, 5001, true);
        browser.driver.get(page(""));
        awaitTile("registered", "4", Duration.ofSeconds(10));
        awaitTile("onPrimary", "4", Duration.ofSeconds(5));
        assertThat(tile("phones")).isEqualTo("4");
        WebElement row = browser.visible("#fleets tr[data-fleet=ui]", Duration.ofSeconds(5));
        assertThat(row.getText()).contains("registered 4").contains("primary 4");
        browser.waiting(Duration.ofSeconds(5)).until(d -> chartLast("primary") == 4);
        browser.waiting(Duration.ofSeconds(5)).until(d -> !tile("failbacksLastMinute").equals("–"));
        browser.screenshot("overview");

        // one click: the primary goes down; keep-alive every 1 s, so the fleet is on the backup within 1 + 2 s
        long clicked = System.nanoTime();
        // the servers table is redrawn with every summary: find and click again when the row was replaced meanwhile
        org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(10))
                .ignoreException(org.openqa.selenium.StaleElementReferenceException.class).until(() -> {
                    browser.driver.findElement(By.cssSelector("#servers tr[data-server=primary] button[data-mode=down]"))
                            .click();
                    return true;
                });
        awaitTile("onBackup", "4", Duration.ofSeconds(3));
        long tookMs = (System.nanoTime() - clicked) / 1_000_000;
        assertThat(tookMs).as("tiles on the backup after the click, ms").isLessThanOrEqualTo(3000);
        browser.waiting(Duration.ofSeconds(2)).until(d -> chartLast("backup") == 4 && chartLast("primary") == 0);
        assertThat(tile("onPrimary")).isEqualTo("0");
        assertThat(given().get("/api/servers/primary").jsonPath().getString("mode")).isEqualTo("down");
        browser.waiting(Duration.ofSeconds(5)).until(d -> Integer.parseInt(tile("failoversLastMinute")) >= 4);
        browser.screenshot("overview-failover");

        // "up": the next failback probe (every 2 s) finds the primary and every phone returns
        // the servers table is redrawn with every summary: find and click again when the row was replaced meanwhile
        org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(10))
                .ignoreException(org.openqa.selenium.StaleElementReferenceException.class).until(() -> {
                    browser.driver.findElement(By.cssSelector("#servers tr[data-server=primary] button[data-mode=up]"))
                            .click();
                    return true;
                });
        awaitTile("onPrimary", "4", Duration.ofSeconds(10));
        browser.waiting(Duration.ofSeconds(2)).until(d -> chartLast("primary") == 4 && chartLast("backup") == 0);
        Object markers = browser.driver.executeScript(
                "return window.sipfleetOverview.markers.map(m => m.label).join(',')");
        assertThat((String) markers).contains("primary down").contains("primary up");
        browser.waiting(Duration.ofSeconds(5)).until(d -> Integer.parseInt(tile("failbacksLastMinute")) >= 4);
        browser.screenshot("overview-failback");
    }

    @Test
    void keysClickedOnOnePhonesPagePlaceACallThatBothFaceplatesShowConnected() throws Exception {
        createFleet("call", 2, 5101, false);
        String caller = browser.driver.getWindowHandle();
        browser.driver.get(page("phone.html?id=call-1"));
        browser.visible("#faceplate[data-hook=on]", Duration.ofSeconds(5));
        browser.driver.findElement(By.id("handset")).click();
        browser.visible("#faceplate[data-hook=off]", Duration.ofSeconds(5));
        for (String k : List.of("5", "1", "0", "2", "SEND")) {
            browser.driver.findElement(By.cssSelector("#faceplate [data-key=\"" + k + "\"]")).click();
        }
        browser.visible("#faceplate[data-call-state=calling]", Duration.ofSeconds(5));

        // the callee rings; lifting its handset on its own page answers
        browser.driver.switchTo().newWindow(org.openqa.selenium.WindowType.TAB);
        String callee = browser.driver.getWindowHandle();
        browser.driver.get(page("phone.html?id=call-2"));
        browser.visible("#faceplate[data-call-state=ringing]", Duration.ofSeconds(5));
        browser.driver.findElement(By.id("handset")).click();
        browser.visible("#faceplate[data-call-state=connected]", Duration.ofSeconds(5));
        assertThat(browser.driver.findElement(By.id("screen")).getText()).contains("connected");
        boolean traced = given().get("/api/phones/call-2/trace").statusCode() == 200;
        if (traced) {
            // the callee's ladder: the INVITE received, its 180 and 200 sent, on the server the call came through
            // (the page reads the trace every 2 s)
            browser.waiting(Duration.ofSeconds(6)).withMessage("INVITE received, 180 and 200 sent, on the primary")
                    .until(d -> {
                        List<String> sent = d.findElements(By.cssSelector(
                                        "#ladder g.msg[data-dir=sent][data-server=primary][data-cseq$=INVITE]"))
                                .stream().map(e -> e.getAttribute("data-label")).toList();
                        return !d.findElements(By.cssSelector(
                                "#ladder g.msg[data-label=INVITE][data-dir=received][data-server=primary]")).isEmpty()
                                && sent.stream().anyMatch(l -> l.startsWith("180 "))
                                && sent.stream().anyMatch(l -> l.startsWith("200 "));
                    });
        } else {
            // no trace endpoint in this service yet: the ladder says so
            assertThat(browser.visible("#ladder .empty", Duration.ofSeconds(5)).getText()).isEqualTo("no trace yet");
        }
        browser.visible("#events tr[data-type=call-established]", Duration.ofSeconds(5));
        browser.screenshot("phone-callee");
        // one event, one row: whether it came by the stream, by polling, or both
        assertThat(browser.driver.findElements(By.cssSelector("#events tr[data-type=call-established]"))).hasSize(1);

        browser.driver.switchTo().window(caller);
        browser.visible("#faceplate[data-call-state=connected]", Duration.ofSeconds(5));
        assertThat(given().get("/api/phones/call-1").jsonPath().getString("callState")).isEqualTo("connected");
        assertThat(given().get("/api/phones/call-2").jsonPath().getString("callState")).isEqualTo("connected");
        browser.screenshot("phone");

        // hang up from the keyboard of the page: h puts the handset down
        browser.driver.findElement(By.id("faceplate")).sendKeys("h");
        browser.visible("#faceplate[data-call-state=idle]", Duration.ofSeconds(5));
        browser.driver.switchTo().window(callee);
        browser.driver.close();
        browser.driver.switchTo().window(caller);
    }

    @Test
    void aBadFailbackIntervalOnTheWebConfigurationPageShowsTheApisErrorNextToItAndChangesNothing() throws Exception {
        createFleet("cfg", 1, 5201, true);
        Map<String, Object> before = given().get("/api/phones/cfg-1").jsonPath().getMap("lines[0].config");
        browser.driver.get(page("config.html?id=cfg-1"));
        WebElement interval = browser.visible("#failbackInterval", Duration.ofSeconds(5));
        browser.waiting(Duration.ofSeconds(5)).until(d -> "2".equals(interval.getAttribute("value")));
        assertThat(browser.driver.findElement(By.id("registerAddr")).getAttribute("value")).isEqualTo("127.0.0.2");
        assertThat(browser.driver.findElement(By.cssSelector("#line option:checked")).getText()).isEqualTo("Line 1");
        browser.screenshot("config");

        interval.clear();
        interval.sendKeys("-5");
        browser.driver.findElement(By.id("registerTtl")).clear();
        browser.driver.findElement(By.id("registerTtl")).sendKeys("600"); // a good change, refused with the rest
        browser.driver.findElement(By.id("submit")).click();
        WebElement error = browser.visible(".field-error[data-error-for=failbackInterval]", Duration.ofSeconds(5));

        // the message is the API's own, for the same request
        String detail = given().contentType(ContentType.JSON).body("{\"failbackInterval\":-5}")
                .put("/api/phones/cfg-1/lines/1").then().statusCode(400).extract().jsonPath().getString("detail");
        assertThat(error.getText()).isEqualTo(detail);
        // next to the field: in the Failback Interval's own row
        WebElement row = interval.findElement(By.xpath("./ancestor::div[contains(@class,'field')][1]"));
        assertThat(row.findElement(By.cssSelector(".field-error")).getText()).isEqualTo(detail);
        assertThat(interval.getAttribute("aria-invalid")).isEqualTo("true");
        assertThat(browser.driver.findElement(By.id("result")).getText()).contains("old configuration");
        assertThat(given().get("/api/phones/cfg-1").jsonPath().getMap("lines[0].config")).isEqualTo(before);
        browser.screenshot("config-refused");

        // a good value goes through
        interval.clear();
        interval.sendKeys("7");
        browser.driver.findElement(By.id("submit")).click();
        browser.waiting(Duration.ofSeconds(5)).until(d -> d.findElement(By.id("result")).getText().startsWith("Submitted"));
        assertThat(browser.driver.findElements(By.cssSelector(".field-error"))).isEmpty();
        assertThat(given().get("/api/phones/cfg-1").jsonPath().getInt("lines[0].config.failbackInterval")).isEqualTo(7);
        assertThat(given().get("/api/phones/cfg-1").jsonPath().getInt("lines[0].config.registerTtl")).isEqualTo(600);
    }

    @Test
    void aFaultCreatedFromTheOverviewIsInTheApiAndIsDeletedFromItToo() throws Exception {
        createFleet("flt", 2, 5301, true);
        browser.driver.get(page(""));
        awaitTile("registered", "2", Duration.ofSeconds(10));
        browser.driver.findElement(By.cssSelector("#fault-templates [data-template=blackhole-primary]")).click();
        await("the fault in GET /api/faults").atMost(Duration.ofSeconds(5)).until(() ->
                given().get("/api/faults").jsonPath().getList("findAll { it.type == 'blackhole' && it.target == 'primary' }")
                        .size() == 1);
        String id = given().get("/api/faults").jsonPath().getString("[0].id");
        WebElement row = browser.visible("#faults tr[data-fault=\"" + id + "\"]", Duration.ofSeconds(5));
        assertThat(row.getText()).contains("blackhole").contains("primary");
        browser.driver.findElement(By.cssSelector("#fault-templates [data-template=loss50]")).click();
        await().atMost(Duration.ofSeconds(5)).until(() -> given().get("/api/faults").jsonPath().getList("$").size() == 2);
        browser.waiting(Duration.ofSeconds(5)).until(d -> d.findElements(By.cssSelector("#faults tbody tr[data-fault]")).size() == 2);
        browser.screenshot("overview-faults");

        // the table is redrawn as the counters move: find the row's button and click it in one step
        browser.waiting(Duration.ofSeconds(5)).until(d -> {
            d.findElement(By.cssSelector("#faults tr[data-fault=\"" + id + "\"] button.danger")).click();
            return true;
        });
        await().atMost(Duration.ofSeconds(5)).until(() -> given().get("/api/faults/" + id).statusCode() == 404);
    }

    @Test
    void theCreateFormShowsTheApisErrorNextToTheFieldThenCreatesTheFleetAndItsRampIsShown() throws Exception {
        browser.driver.get(page(""));
        WebElement port = browser.visible("#f-registerPort", Duration.ofSeconds(5));
        browser.waiting(Duration.ofSeconds(5)).until(d -> "15060".equals(port.getAttribute("value"))); // from /api/servers
        WebElement name = browser.driver.findElement(By.id("f-name"));
        name.clear();
        name.sendKeys("made-in-ui");
        WebElement count = browser.driver.findElement(By.id("f-count"));
        count.clear();
        count.sendKeys("3");
        port.clear();
        port.sendKeys("70000");
        browser.driver.findElement(By.id("create-fleet-submit")).click();
        // next to the primary port: in its own field box
        WebElement error = browser.visible(".field:has(#f-registerPort) .field-error", Duration.ofSeconds(5));
        assertThat(error.getText()).contains("70000");
        assertThat(browser.driver.findElements(By.cssSelector(".field-error"))).hasSize(1);
        assertThat(given().get("/api/fleets/made-in-ui").statusCode()).isEqualTo(404);

        port.clear();
        port.sendKeys("15060");
        browser.driver.findElement(By.id("create-fleet-submit")).click();
        browser.waiting(Duration.ofSeconds(10)).until(d -> d.findElements(By.cssSelector(".field-error")).isEmpty()
                && d.findElement(By.cssSelector("#fleets tr[data-fleet=made-in-ui]")).getText().contains("3/3"));
        await().atMost(Duration.ofSeconds(10)).until(() -> onServer("made-in-ui", "primary") == 3);
        assertThat(given().get("/api/fleets/made-in-ui").jsonPath().getString("model")).isEqualTo("V3");
    }

    @Test
    void thePhonesTableFiltersPagesAndFindsAPhoneByItsUser() throws Exception {
        createFleet("tbl", 12, 5401, true);
        browser.driver.get(page("phones.html?fleet=tbl&size=25"));
        browser.waiting(Duration.ofSeconds(5)).until(d -> d.findElements(By.cssSelector("#phones tr[data-phone]")).size() == 12);
        assertThat(browser.driver.findElement(By.id("count")).getText()).isEqualTo("12 matching");
        browser.screenshot("phones");

        new org.openqa.selenium.support.ui.Select(browser.driver.findElement(By.id("size"))).selectByVisibleText("25");
        browser.driver.findElement(By.id("q")).sendKeys("5407");
        browser.driver.findElement(By.cssSelector("#filters button[type=submit]")).click();
        browser.waiting(Duration.ofSeconds(5)).until(d -> d.findElements(By.cssSelector("#phones tr[data-phone]")).size() == 1
                && !d.findElements(By.cssSelector("#phones tr[data-phone=\"tbl-7\"]")).isEmpty());

        browser.driver.findElement(By.id("q")).clear();
        new org.openqa.selenium.support.ui.Select(browser.driver.findElement(By.id("state"))).selectByVisibleText("failed");
        browser.waiting(Duration.ofSeconds(5)).until(d -> d.findElement(By.id("count")).getText().equals("0 matching"));
    }
}
