package io.sipfleet.api.dashboard;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.time.Duration;
import org.openqa.selenium.By;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.support.ui.ExpectedConditions;
import org.openqa.selenium.support.ui.WebDriverWait;

/**
 * Debian's chromium driven by Debian's chromedriver, headless, with both paths given so that Selenium Manager never
 * looks for (or downloads) a browser or a driver. Skipped with a message when either is missing.
 */
final class Browser implements AutoCloseable {
    static final String CHROMIUM = "/usr/bin/chromium";
    static final String CHROMEDRIVER = "/usr/bin/chromedriver";
    static final Path SCREENSHOTS = Path.of("target", "screenshots");

    final ChromeDriver driver;

    private Browser(ChromeDriver driver) {
        this.driver = driver;
    }

    static void assumeInstalled() {
        assumeTrue(Files.isExecutable(Path.of(CHROMIUM)) && Files.isExecutable(Path.of(CHROMEDRIVER)),
                "chromium or chromedriver is not installed (apt-get install chromium chromium-driver; .ci/run installs"
                        + " them): the dashboard's browser tests are skipped");
    }

    static Browser start() {
        return start(false);
    }

    /**
     * @param performanceLog keep Chrome's DevTools performance log ({@code Network.*} events: every request,
     *                       response, byte and EventSource message the page gets), read with {@link #performanceLog()}
     */
    static Browser start(boolean performanceLog) {
        assumeInstalled();
        System.setProperty("webdriver.chrome.driver", CHROMEDRIVER);
        ChromeOptions options = new ChromeOptions();
        options.setBinary(CHROMIUM);
        options.addArguments("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu",
                "--window-size=1440,1100", "--force-device-scale-factor=1", "--no-first-run",
                "--disable-background-networking", "--disable-component-update", "--disable-default-apps",
                "--disable-sync", "--lang=en-US");
        options.setCapability("goog:loggingPrefs", performanceLog
                ? java.util.Map.of("browser", "ALL", "performance", "ALL") : java.util.Map.of("browser", "ALL"));
        if (performanceLog) {
            options.setExperimentalOption("perfLoggingPrefs", java.util.Map.of("enableNetwork", true, "enablePage", false));
        }
        ChromeDriverService service = new ChromeDriverService.Builder()
                .usingDriverExecutable(new File(CHROMEDRIVER)).usingAnyFreePort().build();
        ChromeDriver driver = new ChromeDriver(service, options);
        driver.manage().timeouts().pageLoadTimeout(Duration.ofSeconds(30));
        driver.manage().timeouts().scriptTimeout(Duration.ofSeconds(10));
        return new Browser(driver);
    }

    WebDriverWait waiting(Duration d) {
        WebDriverWait w = new WebDriverWait(driver, d, Duration.ofMillis(50));
        w.ignoring(org.openqa.selenium.StaleElementReferenceException.class);
        return w;
    }

    WebElement visible(String css, Duration d) {
        return waiting(d).until(ExpectedConditions.visibilityOfElementLocated(By.cssSelector(css)));
    }

    /**
     * The whole page (up to 2400 px high) as a PNG in target/screenshots/{name}.png, through the DevTools
     * protocol's capture beyond the viewport.
     */
    Path screenshot(String name) throws IOException {
        Files.createDirectories(SCREENSHOTS);
        Object size = driver.executeScript("return [window.innerWidth,"
                + " Math.min(2400, 16 + Math.max(document.body.scrollHeight, document.documentElement.scrollHeight))]");
        java.util.List<?> wh = (java.util.List<?>) size;
        Map<String, Object> clip = Map.of("x", 0, "y", 0, "width", ((Number) wh.get(0)).intValue(),
                "height", ((Number) wh.get(1)).intValue(), "scale", 1);
        Map<String, Object> shot = driver.executeCdpCommand("Page.captureScreenshot",
                Map.of("format", "png", "captureBeyondViewport", true, "clip", clip));
        Path to = SCREENSHOTS.resolve(name + ".png");
        Files.write(to, java.util.Base64.getDecoder().decode((String) shot.get("data")));
        return to;
    }

    /** What the pages wrote to the console since the last call (errors first of all), one line each. */
    String console() {
        StringBuilder b = new StringBuilder();
        for (org.openqa.selenium.logging.LogEntry e : driver.manage().logs().get("browser")) {
            b.append(e.getLevel()).append(' ').append(e.getMessage()).append('\n');
        }
        return b.toString();
    }

    /** The DevTools events logged since the last call: {@code [epoch ms, {"method", "params"}]} each. */
    java.util.List<org.openqa.selenium.logging.LogEntry> performanceLog() {
        return driver.manage().logs().get("performance").getAll();
    }

    WebDriver driver() {
        return driver;
    }

    @Override
    public void close() {
        driver.quit();
    }
}
