package io.sagacoord.server;

import static org.assertj.core.api.Assertions.assertThat;

import io.sagacoord.server.support.ApiFixture;
import io.sagacoord.server.support.HeadlessChromium;
import io.sagacoord.server.support.TestSagas;
import java.time.Duration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.openqa.selenium.By;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.support.ui.ExpectedConditions;
import org.openqa.selenium.support.ui.WebDriverWait;

/**
 * Swagger UI in a real headless Chromium: the page opens without credentials, a person authorizes
 * with an API key inside it, tries a GET and sees the coordinator's 200 and its answer.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class SwaggerUiBrowserTest {

  private ApiFixture f;
  private HeadlessChromium chromium;
  private WebDriver browser;

  @BeforeAll
  void start() {
    chromium = HeadlessChromium.start("Swagger UI");
    browser = chromium.driver();
    f = ApiFixture.get();
  }

  @AfterAll
  void stop() {
    if (chromium != null) {
      chromium.close();
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
}
