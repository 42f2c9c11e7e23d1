package io.sagacoord.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.sagacoord.server.support.ApiFixture;
import io.sagacoord.server.support.TestSagas;
import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.Optional;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.openqa.selenium.By;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.support.ui.ExpectedConditions;
import org.openqa.selenium.support.ui.WebDriverWait;

/**
 * Swagger UI in a real headless Chromium: the page opens without credentials, a person authorizes
 * with an API key inside it, tries a GET and sees the coordinator's 200 and its answer.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class SwaggerUiBrowserTest {

  private ApiFixture f;
  private Path profile;
  private WebDriver browser;

  @BeforeAll
  void start() throws IOException {
    Optional<Path> chromium = onPath("chromium", "chromium-browser", "google-chrome");
    Optional<Path> chromedriver = onPath("chromedriver");
    assumeTrue(
        chromium.isPresent() && chromedriver.isPresent(),
        "Chromium or chromedriver is not installed (apt-get install chromium chromium-driver):"
            + " the Swagger UI browser test cannot run");
    f = ApiFixture.get();
    profile = Files.createTempDirectory("swagger-ui-chromium");
    ChromeOptions options = new ChromeOptions();
    options.setBinary(chromium.get().toFile());
    options.addArguments(
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--disable-dev-shm-usage",
        "--user-data-dir=" + profile);
    ChromeDriverService service =
        new ChromeDriverService.Builder()
            .usingDriverExecutable(chromedriver.get().toFile())
            .usingAnyFreePort()
            .build();
    browser = new ChromeDriver(service, options);
  }

  @AfterAll
  void stop() throws IOException {
    if (browser != null) {
      browser.quit();
    }
    if (profile != null) {
      try (Stream<Path> files = Files.walk(profile)) {
        files.sorted(Comparator.reverseOrder()).map(Path::toFile).forEach(File::delete);
      }
    }
  }

  @Test
  void aPersonOpensSwaggerUiAuthorizesWithAnApiKeyAndTriesAGetThatAnswers200() {
    WebDriverWait wait = new WebDriverWait(browser, Duration.ofSeconds(60));
    browser.get(f.uri("/swagger-ui.html").toString());

    // the public page loads the public document
    wait.until(ExpectedConditions.elementToBeClickable(By.cssSelector("button.authorize"))).click();
    WebElement apiKey =
        wait.until(
            ExpectedConditions.visibilityOfElementLocated(
                By.cssSelector(".modal-ux .auth-container input")));
    apiKey.sendKeys(ApiFixture.VIEWER);
    browser
        .findElement(By.cssSelector(".modal-ux .auth-container .auth-btn-wrapper .authorize"))
        .click();
    wait.until(ExpectedConditions.elementToBeClickable(By.cssSelector(".modal-ux .btn-done")))
        .click();

    WebElement operation =
        wait.until(
            ExpectedConditions.elementToBeClickable(
                By.cssSelector("#operations-catalog-listDefinitions .opblock-summary-control")));
    operation.click();
    wait.until(
            ExpectedConditions.elementToBeClickable(
                By.cssSelector("#operations-catalog-listDefinitions .try-out__btn")))
        .click();
    wait.until(
            ExpectedConditions.elementToBeClickable(
                By.cssSelector("#operations-catalog-listDefinitions .execute")))
        .click();

    By status =
        By.cssSelector(
            "#operations-catalog-listDefinitions .live-responses-table tbody .response-col_status");
    wait.until(ExpectedConditions.textMatches(status, java.util.regex.Pattern.compile("\\d{3}")));
    assertThat(browser.findElement(status).getText().trim()).isEqualTo("200");
    assertThat(
            browser
                .findElement(
                    By.cssSelector(
                        "#operations-catalog-listDefinitions .live-responses-table"
                            + " tbody .response-col_description"))
                .getText())
        .contains(TestSagas.TRIP);
  }

  private static Optional<Path> onPath(String... names) {
    for (String dir : System.getenv().getOrDefault("PATH", "").split(File.pathSeparator)) {
      for (String name : names) {
        Path candidate = Path.of(dir, name);
        if (Files.isExecutable(candidate)) {
          return Optional.of(candidate);
        }
      }
    }
    return Optional.empty();
  }
}
