package dev.mtl.serve;

import static dev.mtl.serve.ServeFixture.body;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.openqa.selenium.By;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.support.ui.ExpectedConditions;
import org.openqa.selenium.support.ui.WebDriverWait;

/**
 * The demo page in headless Chromium (Debian's chromium and chromedriver; Selenium Manager never
 * runs, nothing is downloaded). With a tiny random model the predictions are arbitrary, so the test
 * checks structure: a label with a probability per classification task, and exactly as many
 * highlighted marks as the API returns entities for the same text. Skipped when Chromium is missing,
 * unless CI is set.
 */
class DemoPageBrowserTest {

    static final Path CHROMIUM = Path.of("/usr/bin/chromium");
    static final Path CHROMEDRIVER = Path.of("/usr/bin/chromedriver");

    @TempDir
    static Path tmp;

    static ServeFixture f;

    @BeforeAll
    static void start() throws Exception {
        boolean present = Files.isExecutable(CHROMIUM) && Files.isExecutable(CHROMEDRIVER);
        if (System.getenv("CI") != null) {
            assertTrue(present, "CI is set but " + CHROMIUM + " or " + CHROMEDRIVER + " is missing");
        }
        assumeTrue(present, "no Chromium: apt-get install chromium chromium-driver");
        f = ServeFixture.start(ServeFixture.writeTinyModel(tmp), ServeSettings.defaults());
    }

    @AfterAll
    static void stop() {
        if (f != null) {
            f.close();
        }
    }

    /** A text for which the random model finds at least one entity (so marks must appear). */
    static String textWithEntities() throws Exception {
        List<String> candidates = new ArrayList<>(List.of(
                "play the music in new york",
                "new york new york",
                "the music of new york 😀 plays",
                "play a b c d e f g",
                "york music the play new"));
        for (String t : candidates) {
            if (entities(t).size() > 0) {
                return t;
            }
        }
        throw new AssertionError("the tiny model finds no entity in any candidate text");
    }

    static JsonNode entities(String text) throws Exception {
        var r = f.post("/v1/predict", body(Map.of("texts", List.of(text), "tasks", List.of("ner"))));
        assertEquals(200, r.status(), r.body());
        return r.json().get("predictions").get(0).get("entities");
    }

    @Test
    void analyseShowsLabelsWithProbabilitiesAndHighlightsEveryEntity() throws Exception {
        System.setProperty("webdriver.chrome.driver", CHROMEDRIVER.toString());
        ChromeOptions options = new ChromeOptions();
        options.setBinary(CHROMIUM.toFile());
        options.addArguments(
                "--headless=new",
                "--no-sandbox",
                "--disable-gpu",
                "--disable-dev-shm-usage",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--no-first-run",
                "--window-size=1100,1000",
                "--user-data-dir=" + Files.createTempDirectory(tmp, "chromium"));
        ChromeDriverService service = new ChromeDriverService.Builder()
                .usingDriverExecutable(CHROMEDRIVER.toFile())
                .usingAnyFreePort()
                .build();
        ChromeDriver driver = new ChromeDriver(service, options);
        try {
            String text = textWithEntities();
            JsonNode expected = entities(text);
            driver.get(f.server.url() + "/");
            WebDriverWait wait = new WebDriverWait(driver, Duration.ofSeconds(20));
            wait.until(d -> "true".equals(d.findElement(By.tagName("body")).getDomAttribute("data-ready")));
            WebElement box = driver.findElement(By.id("text"));
            box.clear();
            box.sendKeys(text);
            driver.findElement(By.id("analyse")).click();
            wait.until(ExpectedConditions.visibilityOfElementLocated(By.cssSelector(".cls-task .cls-label")));

            WebElement task = driver.findElement(By.cssSelector(".cls-task"));
            assertEquals("intent", task.getDomAttribute("data-task"));
            String label = task.findElement(By.cssSelector(".cls-label")).getText();
            assertTrue(List.of("PlayMusic", "GetWeather", "BookRestaurant").contains(label), label);
            List<WebElement> values = task.findElements(By.cssSelector(".bar-value"));
            assertEquals(3, values.size(), "a bar per label (3 labels, top 5 shown)");
            double total = 0;
            for (WebElement v : values) {
                assertTrue(v.getText().matches("\\d{1,3}\\.\\d%"), v.getText());
                total += Double.parseDouble(v.getText().replace("%", ""));
            }
            assertEquals(100, total, 0.3, "softmax probabilities add up to 100%");

            List<WebElement> marks = driver.findElements(By.cssSelector("mark.entity"));
            assertEquals(expected.size(), marks.size(), "one mark per entity from the API");
            for (int i = 0; i < marks.size(); i++) {
                JsonNode e = expected.get(i);
                assertEquals(e.get("label").asText(), marks.get(i).getDomAttribute("data-label"));
                String shown = marks.get(i).getText();
                assertTrue(shown.startsWith(e.get("text").asText()), shown + " vs " + e);
            }
            // The page's text, with labels removed, is the input: code-point slicing lost nothing.
            String rendered = (String)
                    driver.executeScript("const d = document.querySelector('#entities .entities').cloneNode(true);"
                            + "d.querySelectorAll('.entity-label').forEach(l => l.remove()); return d.textContent;");
            assertEquals(text, rendered);

            driver.findElement(By.id("compare")).click();
            wait.until(ExpectedConditions.visibilityOfElementLocated(By.id("sim-value")));
            String cos = driver.findElement(By.id("sim-value")).getText();
            assertTrue(cos.matches("-?[01]\\.\\d{4}"), cos);

            Path shot = Path.of("target", "screenshots", "demo.png");
            Files.createDirectories(shot.getParent());
            Files.write(shot, driver.getScreenshotAs(OutputType.BYTES));
            assertTrue(Files.size(shot) > 10_000, "screenshot written");
        } finally {
            driver.quit();
        }
    }
}
