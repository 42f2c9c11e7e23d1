package io.sagacoord.server;

import static org.assertj.core.api.Assertions.assertThat;

import io.sagacoord.protocol.SagaHeaders;
import io.sagacoord.server.internal.console.ConsoleSecurity;
import io.sagacoord.server.support.ApiFixture;
import io.sagacoord.server.support.HeadlessChromium;
import io.sagacoord.server.support.TestData;
import io.sagacoord.server.support.TestSagas;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.openqa.selenium.By;
import org.openqa.selenium.Cookie;
import org.openqa.selenium.Dimension;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.Keys;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.support.ui.ExpectedConditions;
import org.openqa.selenium.support.ui.Select;
import org.openqa.selenium.support.ui.WebDriverWait;
import org.springframework.jdbc.core.simple.JdbcClient;

/**
 * The operator console in a real headless Chromium against a coordinator on real Postgres and
 * Kafka: sign-in, the saga list's filters, a compensated saga's timeline, a definition diagram, an
 * operator's resolution with its audit entry, a viewer's read-only pages and forged actions, CSRF,
 * sign-out, a participant's open circuit in words. Every page is checked with axe-core (no serious
 * or critical violation) and saved as a screenshot in {@code target/console-screenshots}.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ConsoleBrowserTest {

  private static final Path SHOTS = Path.of("target", "console-screenshots");
  private static final java.time.format.DateTimeFormatter CONSOLE_TIME =
      java.time.format.DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss.SSS'Z'")
          .withZone(ZoneOffset.UTC);
  private static final Dimension WINDOW = new Dimension(1360, 1000);

  private ApiFixture f;
  private HeadlessChromium chromium;
  private ChromeDriver browser;
  private WebDriverWait wait;
  private String axe;
  private UUID compensated;
  private UUID failed;
  private UUID failedForViewer;
  private UUID quarantinedFor;
  private Instant circuitOpenedAt;
  private Instant circuitOpenUntil;

  private static final String LEDGER = "p-ledger";

  @BeforeAll
  void start() throws IOException {
    chromium = HeadlessChromium.start("console", "--window-size=1360,1000");
    browser = chromium.driver();
    browser.manage().window().setSize(WINDOW);
    wait = new WebDriverWait(browser, Duration.ofSeconds(30));
    f = ApiFixture.get();
    try (InputStream in =
        getClass()
            .getClassLoader()
            .getResourceAsStream(
                "META-INF/resources/webjars/axe-core/" + axeVersion() + "/axe.min.js")) {
      assertThat(in).as("axe-core from its WebJar").isNotNull();
      axe = new String(in.readAllBytes(), StandardCharsets.UTF_8);
    }
    Files.createDirectories(SHOTS);
    compensated = f.start(TestSagas.TRIP, TestData.of("fail", "s2"));
    failed = f.start(TestSagas.TRIP, TestData.of("throw", "s1"));
    failedForViewer = f.start(TestSagas.TRIP, TestData.of("throw", "s1"));
    UUID completed = f.start(TestSagas.TRIP, TestData.ok());
    f.awaitStatus(compensated, "COMPENSATED");
    f.awaitStatus(failed, "FAILED");
    f.awaitStatus(failedForViewer, "FAILED");
    f.awaitStatus(completed, "COMPLETED");
    // a reply for a saga the coordinator does not know: quarantined with its reason
    quarantinedFor = UUID.randomUUID();
    Map<String, String> headers = new LinkedHashMap<>();
    headers.put(SagaHeaders.SAGA_ID, quarantinedFor.toString());
    headers.put(SagaHeaders.MESSAGE_KIND, "reply");
    String replyTopic =
        f.sec.bean(io.sagacoord.server.config.SecProperties.class).kafka().replyTopic();
    f.participants.send(
        replyTopic, quarantinedFor.toString(), headers, "{\"seat\":\"12A\",\"price\":129.5}");
    // a participant that announced itself and whose circuit another coordinator opened (through
    // the shared table, as coordinators tell each other): no loaded definition uses it
    f.participants.send(
        f.registryTopic,
        LEDGER,
        Map.of(),
        "{\"participant\":\""
            + LEDGER
            + "\",\"instance\":\"ledger-1\",\"version\":\"3.1\","
            + "\"commandTypes\":[\"ledger.post\"],\"compensationTypes\":[\"ledger.reverse\"],"
            + "\"announcedAt\":\""
            + Instant.now()
            + "\"}");
    circuitOpenedAt = Instant.now().minusSeconds(90).truncatedTo(ChronoUnit.MILLIS);
    circuitOpenUntil = Instant.now().plusSeconds(600).truncatedTo(ChronoUnit.MILLIS);
    jdbc()
        .sql(
            "INSERT INTO saga_participant_circuit"
                + " (participant, state, open_until, changed_at, changed_by, version)"
                + " VALUES (:p, 'OPEN', :until, :at, 'sec-other', 1)")
        .param("p", LEDGER)
        .param("until", java.time.OffsetDateTime.ofInstant(circuitOpenUntil, ZoneOffset.UTC))
        .param("at", java.time.OffsetDateTime.ofInstant(circuitOpenedAt, ZoneOffset.UTC))
        .update();
    org.awaitility.Awaitility.await()
        .atMost(Duration.ofSeconds(30))
        .until(
            () ->
                jdbc()
                        .sql(
                            "SELECT count(*) FROM saga_quarantine"
                                + " WHERE headers::text LIKE :id")
                        .param("id", "%" + quarantinedFor + "%")
                        .query(Long.class)
                        .single()
                    > 0);
  }

  @AfterAll
  void stop() {
    if (chromium != null) {
      chromium.close();
    }
  }

  @Test
  void anOperatorFiltersTheListToACompensatedSagaAndSeesItsTimelineWithCompensationLanes() {
    browser.manage().deleteAllCookies();
    open("/console/sagas");
    assertThat(browser.getCurrentUrl()).contains("/console/sign-in");
    checkPage("sign-in");

    // signed in, the person lands on the page first asked for
    browser.findElement(By.id("apiKey")).sendKeys(ApiFixture.OPERATOR);
    browser.findElement(By.id("sign-in")).click();
    wait.until(ExpectedConditions.presenceOfElementLocated(By.id("sign-out")));
    assertThat(browser.getCurrentUrl()).contains("/console/sagas");
    open("/console");
    assertThat(browser.findElements(By.cssSelector("svg#starts-ends rect.bar.start"))).isNotEmpty();
    assertThat(browser.findElement(By.id("counts-h")).getText()).isEqualTo("Sagas by status");
    checkPage("overview");

    open("/console/sagas");
    browser.findElement(By.id("status-COMPENSATED")).click();
    new Select(browser.findElement(By.id("type"))).selectByValue(TestSagas.TRIP);
    browser.findElement(By.id("q")).sendKeys(compensated.toString().substring(0, 13));
    browser.findElement(By.id("apply-filters")).click();
    wait.until(ExpectedConditions.urlContains("status=COMPENSATED"));
    assertThat(browser.getCurrentUrl()).contains("type=" + TestSagas.TRIP);
    List<WebElement> rows = browser.findElements(By.cssSelector("#saga-list tbody tr"));
    assertThat(rows).hasSize(1);
    assertThat(rows.get(0).getAttribute("data-saga")).isEqualTo(compensated.toString());
    checkPage("sagas");

    rows.get(0).findElement(By.cssSelector("a.saga-link")).click();
    wait.until(ExpectedConditions.urlContains("/console/sagas/" + compensated));
    assertThat(browser.findElement(By.id("saga-status")).getText()).isEqualTo("COMPENSATED");
    WebElement compensationLane =
        browser.findElement(By.cssSelector("svg#timeline g.lane-compensation[data-step='s1']"));
    assertThat(compensationLane.getAttribute("data-lane")).contains("compensation");
    assertThat(browser.findElements(By.cssSelector("svg#timeline rect.bar.compensation")))
        .isNotEmpty();
    assertThat(browser.findElements(By.cssSelector("svg#timeline rect.bar.forward.failed")))
        .isNotEmpty();
    assertThat(
            browser.findElements(By.cssSelector("#log td.kafka")).stream()
                .anyMatch(td -> !td.getText().isBlank()))
        .as("log entries show the Kafka record of each reply")
        .isTrue();
    checkPage("saga-compensated");

    browser.findElement(By.linkText(TestSagas.TRIP + " v1")).click();
    wait.until(ExpectedConditions.urlContains("/console/definitions/" + TestSagas.TRIP + "/1"));
    WebElement pivot = browser.findElement(By.cssSelector("svg g.step.pivot[data-step='s4']"));
    assertThat(pivot.getText()).contains("PIVOT");
    assertThat(browser.findElements(By.cssSelector("svg g.compensation"))).hasSize(3);
    checkPage("definition");
    open("/console/definitions");
    checkPage("definitions");
    open("/console/participants");
    assertThat(browser.findElements(By.cssSelector("section.participant[data-participant='p-s1']")))
        .hasSize(1);
    // p-s1 announces no instance here: none is live, and the table has its liveness columns
    assertThat(
            browser
                .findElement(
                    By.cssSelector("section.participant[data-participant='p-s1'] dd.liveness"))
                .getText())
        .isEqualTo("0 of 0");
    assertThat(
            browser
                .findElements(
                    By.cssSelector("section.participant[data-participant='p-s1'] thead th"))
                .stream()
                .map(WebElement::getText))
        .contains("Last heartbeat", "Heartbeat interval", "Liveness");
    // the circuit another coordinator opened: its state, since when and until when, in words
    org.awaitility.Awaitility.await()
        .atMost(Duration.ofSeconds(30))
        .ignoreExceptions()
        .untilAsserted(
            () -> {
              open("/console/participants");
              assertThat(
                      browser
                          .findElement(
                              By.cssSelector(
                                  "section.participant[data-participant='"
                                      + LEDGER
                                      + "'] dd.circuit"))
                          .getAttribute("data-circuit"))
                  .isEqualTo("OPEN");
            });
    WebElement circuit =
        browser.findElement(
            By.cssSelector("section.participant[data-participant='" + LEDGER + "'] dd.circuit"));
    assertThat(circuit.getText())
        .startsWith("OPEN: no command is sent")
        .contains("since " + CONSOLE_TIME.format(circuitOpenedAt))
        .contains("open until " + CONSOLE_TIME.format(circuitOpenUntil));
    assertThat(
            browser
                .findElement(
                    By.cssSelector("section.participant[data-participant='p-s1'] dd.circuit"))
                .getText())
        .startsWith("CLOSED: commands are sent");
    checkPage("participants");
    open("/console/quarantine");
    WebElement message =
        browser.findElements(By.cssSelector("article.quarantined")).stream()
            .filter(a -> a.getText().contains(quarantinedFor.toString()))
            .findFirst()
            .orElseThrow();
    assertThat(message.findElement(By.cssSelector("pre.raw")).getText()).contains("12A");
    assertThat(message.findElements(By.cssSelector("form.action"))).hasSize(1);
    checkPage("quarantine");

    long quarantineId = Long.parseLong(message.getAttribute("data-quarantine"));
    message.findElement(By.tagName("textarea")).sendKeys("the saga exists now");
    message.findElement(By.cssSelector("form.action button")).click();
    wait.until(ExpectedConditions.presenceOfElementLocated(By.id("confirm")));
    assertThat(browser.findElement(By.tagName("h1")).getText()).isEqualTo("Confirm redelivery");
    browser.findElement(By.id("confirm")).click();
    wait.until(ExpectedConditions.presenceOfElementLocated(By.cssSelector(".flash")));
    assertThat(browser.findElement(By.cssSelector(".flash.ok")).getText())
        .contains("message " + quarantineId + " redelivered");
    assertThat(
            jdbc()
                .sql("SELECT count(*) FROM saga_operator_audit WHERE quarantine_id = :id")
                .param("id", quarantineId)
                .query(Long.class)
                .single())
        .isEqualTo(1);
  }

  @Test
  void anOperatorResolvesAFailedSagaWithAReasonAndSeesTheAuditEntryAndTheTimelineMarker() {
    signIn(ApiFixture.OPERATOR);
    open("/console/sagas/" + failed);
    assertThat(browser.findElement(By.id("saga-status")).getText()).isEqualTo("FAILED");
    // by keyboard: the first Tab reaches the skip link, then the form is typed and sent with Enter
    browser.findElement(By.tagName("body")).sendKeys(Keys.TAB);
    assertThat(browser.switchTo().activeElement().getText()).isEqualTo("Skip to content");
    browser.findElement(By.id("resolve-reason")).sendKeys("settled by hand in the hotel system");
    browser.findElement(By.id("resolve-reason")).sendKeys(Keys.TAB);
    assertThat(browser.switchTo().activeElement().getText()).isEqualTo("Resolve\u2026");
    browser.switchTo().activeElement().sendKeys(Keys.ENTER);
    wait.until(ExpectedConditions.presenceOfElementLocated(By.id("confirm")));
    assertThat(browser.findElement(By.tagName("h1")).getText()).isEqualTo("Confirm resolve");
    assertThat(auditRows(failed)).as("nothing happens before the confirmation").isZero();
    checkPage("confirm");

    browser.findElement(By.id("confirm")).sendKeys(Keys.ENTER);
    wait.until(ExpectedConditions.urlToBe(f.uri("/console/sagas/" + failed).toString()));
    assertThat(browser.findElement(By.cssSelector(".flash.ok")).getText())
        .contains("resolve applied");
    assertThat(browser.findElement(By.id("saga-status")).getText()).isEqualTo("COMPLETED");
    assertThat(browser.findElement(By.cssSelector("#audit td.audit-reason")).getText())
        .isEqualTo("settled by hand in the hotel system");
    assertThat(browser.findElements(By.cssSelector("svg#timeline path.operator-action")))
        .hasSize(1);
    assertThat(auditRows(failed)).isEqualTo(1);
    checkPage("saga-resolved");
  }

  @Test
  void aViewerSeesNoActionButtonsAndAForgedActionPostWithTheViewersSessionIs403AndWritesNothing() {
    signIn(ApiFixture.VIEWER);
    open("/console/sagas/" + failedForViewer);
    assertThat(browser.findElement(By.id("saga-status")).getText()).isEqualTo("FAILED");
    assertThat(browser.findElements(By.id("operator-actions"))).isEmpty();
    assertThat(browser.findElements(By.cssSelector("main button"))).isEmpty();
    assertThat(browser.findElement(By.cssSelector(".who .role")).getText()).contains("read only");
    checkPage("saga-viewer");
    open("/console/quarantine");
    assertThat(browser.findElements(By.cssSelector("article.quarantined form"))).isEmpty();

    long writes = writes();
    long status =
        post(
            "/console/sagas/" + failedForViewer + "/actions/resolve",
            "reason=forged&confirmed=yes",
            true);
    long redeliver = post("/console/quarantine/1/redeliver", "reason=forged&confirmed=yes", true);

    assertThat(status).isEqualTo(403);
    assertThat(redeliver).isEqualTo(403);
    assertThat(writes()).isEqualTo(writes);
    assertThat(auditRows(failedForViewer)).isZero();
    assertThat(f.coordinator.find(failedForViewer).orElseThrow().status()).isEqualTo("FAILED");
  }

  @Test
  void aPostWithoutTheCsrfTokenIsRefusedAndAfterSignOutThePagesRedirectToSignIn() throws Exception {
    signIn(ApiFixture.OPERATOR);
    open("/console/sagas/" + failedForViewer);
    long writes = writes();

    long withoutToken =
        post(
            "/console/sagas/" + failedForViewer + "/actions/resolve",
            "reason=no+token&confirmed=yes",
            false);

    assertThat(withoutToken).isEqualTo(403);
    assertThat(writes()).isEqualTo(writes);
    assertThat(f.coordinator.find(failedForViewer).orElseThrow().status()).isEqualTo("FAILED");

    Cookie session = browser.manage().getCookieNamed(ConsoleSecurity.COOKIE);
    assertThat(session).isNotNull();
    assertThat(session.isHttpOnly()).isTrue();
    assertThat(session.getSameSite()).isEqualTo("Strict");
    assertThat(session.getPath()).isEqualTo("/console");
    // the API's stateless chain takes no session cookie as a credential
    HttpResponse<String> api =
        HttpClient.newHttpClient()
            .send(
                HttpRequest.newBuilder(f.uri("/api/sagas"))
                    .header("Cookie", ConsoleSecurity.COOKIE + "=" + session.getValue())
                    .build(),
                HttpResponse.BodyHandlers.ofString());
    assertThat(api.statusCode()).isEqualTo(401);

    browser.findElement(By.id("sign-out")).click();
    wait.until(ExpectedConditions.urlContains("/console/sign-in"));
    assertThat(browser.findElement(By.cssSelector(".flash.ok")).getText()).contains("signed out");
    for (String page :
        List.of("/console", "/console/sagas", "/console/sagas/" + failed, "/console/quarantine")) {
      open(page);
      assertThat(browser.getCurrentUrl()).as(page).contains("/console/sign-in");
    }
  }

  @Test
  void signInTakesABearerTokenAndRefusesAWrongKeyAndAStarterKey() {
    browser.manage().deleteAllCookies();
    open("/console/sign-in");
    browser.findElement(By.id("apiKey")).sendKeys("not-a-key");
    browser.findElement(By.id("sign-in")).click();
    wait.until(ExpectedConditions.urlContains("error=invalid"));
    assertThat(browser.findElement(By.cssSelector(".flash.error")).getText()).contains("not valid");
    open("/console");
    assertThat(browser.getCurrentUrl()).contains("/console/sign-in");

    browser.findElement(By.id("apiKey")).sendKeys(ApiFixture.STARTER);
    browser.findElement(By.id("sign-in")).click();
    wait.until(ExpectedConditions.urlContains("error=role"));
    open("/console");
    assertThat(browser.getCurrentUrl()).contains("/console/sign-in");

    // the identity provider's token, as the API takes it
    browser
        .findElement(By.id("token"))
        .sendKeys(f.jwt(List.of("VIEWER"), java.time.Instant.now().plusSeconds(600), false));
    browser.findElement(By.id("sign-in")).click();
    wait.until(
        ExpectedConditions.or(
            ExpectedConditions.presenceOfElementLocated(By.id("sign-out")),
            ExpectedConditions.urlContains("error=")));
    assertThat(browser.getCurrentUrl()).doesNotContain("sign-in");
    assertThat(browser.findElement(By.cssSelector(".who strong")).getText()).isEqualTo("jwt:alice");
    assertThat(browser.findElement(By.cssSelector(".who .role")).getText()).contains("read only");
  }

  // --- helpers

  private void open(String path) {
    browser.get(f.uri(path).toString());
  }

  private void signIn(String key) {
    browser.manage().deleteAllCookies();
    open("/console/sign-in");
    browser.findElement(By.id("apiKey")).sendKeys(key);
    browser.findElement(By.id("sign-in")).click();
    wait.until(ExpectedConditions.presenceOfElementLocated(By.id("sign-out")));
  }

  /**
   * POSTs a form from the page with the browser's session; {@code withToken} adds the page's CSRF
   * token. Returns the status (redirects are not followed).
   */
  private long post(String path, String form, boolean withToken) {
    Object status =
        ((JavascriptExecutor) browser)
            .executeAsyncScript(
                "const done = arguments[arguments.length - 1];"
                    + "let body = arguments[1];"
                    + "if (arguments[2]) {"
                    + "  const t = document.querySelector('input[name=_csrf]');"
                    + "  body += '&_csrf=' + encodeURIComponent(t.value); }"
                    + "fetch(arguments[0], {method: 'POST', redirect: 'manual',"
                    + "  headers: {'Content-Type': 'application/x-www-form-urlencoded'}, body})"
                    + ".then(r => done(r.status), e => done(-1));",
                path,
                form,
                withToken);
    return ((Number) status).longValue();
  }

  /** axe-core finds no serious or critical violation; then a full-page screenshot. */
  @SuppressWarnings("unchecked")
  private void checkPage(String name) {
    JavascriptExecutor js = browser;
    js.executeScript(axe);
    browser.manage().timeouts().scriptTimeout(Duration.ofSeconds(60));
    Object result =
        js.executeAsyncScript(
            "const done = arguments[arguments.length - 1];"
                + "axe.run(document, {resultTypes: ['violations']}).then(r => done("
                + "r.violations.filter(v => v.impact === 'serious' || v.impact === 'critical')"
                + ".map(v => v.id + ' (' + v.impact + '): ' + v.help + ' at '"
                + " + v.nodes.slice(0, 3).map(n => n.target.join(' ')).join(' | '))),"
                + " e => done(['axe failed: ' + e]));");
    assertThat((List<String>) result).as("axe-core on " + name).isEmpty();
    // the whole page, however long, at the window's width
    Map<String, Object> metrics = browser.executeCdpCommand("Page.getLayoutMetrics", Map.of());
    Map<String, Object> size = (Map<String, Object>) metrics.get("cssContentSize");
    Map<String, Object> clip = new LinkedHashMap<>();
    clip.put("x", 0);
    clip.put("y", 0);
    clip.put("width", ((Number) size.get("width")).doubleValue());
    clip.put("height", Math.min(6000, ((Number) size.get("height")).doubleValue()));
    clip.put("scale", 1);
    Map<String, Object> shot =
        browser.executeCdpCommand(
            "Page.captureScreenshot",
            Map.of("format", "png", "captureBeyondViewport", true, "clip", clip));
    try {
      Files.write(
          SHOTS.resolve(name + ".png"),
          java.util.Base64.getDecoder().decode((String) shot.get("data")));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static String axeVersion() throws IOException {
    try (InputStream in =
        ConsoleBrowserTest.class
            .getClassLoader()
            .getResourceAsStream("META-INF/maven/org.webjars.npm/axe-core/pom.properties")) {
      java.util.Properties p = new java.util.Properties();
      p.load(in);
      return p.getProperty("version");
    }
  }

  private JdbcClient jdbc() {
    return JdbcClient.create(f.db.dataSource());
  }

  private long auditRows(UUID saga) {
    return jdbc()
        .sql("SELECT count(*) FROM saga_operator_audit WHERE saga_id = :id")
        .param("id", saga)
        .query(Long.class)
        .single();
  }

  /** Audit rows of every saga and message, and the log rows of the saga the forgeries aim at. */
  private long writes() {
    return jdbc()
        .sql(
            "SELECT (SELECT count(*) FROM saga_operator_audit)"
                + " + (SELECT count(*) FROM saga_log WHERE saga_id = :id)")
        .param("id", failedForViewer)
        .query(Long.class)
        .single();
  }
}
