package io.sagacoord.server.ops;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.micrometer.core.instrument.MeterRegistry;
import io.sagacoord.server.SagaCoordinator;
import io.sagacoord.server.SagaView;
import io.sagacoord.server.support.RunningCoordinator;
import io.sagacoord.server.support.ScriptedParticipants;
import io.sagacoord.server.support.TestClock;
import io.sagacoord.server.support.TestData;
import io.sagacoord.server.support.TestSagas;
import io.sagacoord.testkit.KafkaInfra;
import io.sagacoord.testkit.SagaInfra;
import io.sagacoord.testkit.TestDatabase;
import java.io.IOException;
import java.io.InputStream;
import java.io.Reader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.TreeSet;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * What {@code deploy/} assumes of a running coordinator: every {@code sec_*} series that the
 * Grafana dashboard and the Prometheus alert rules query is in the scrape with a HELP text, and the
 * Kubernetes probes of the coordinator's Deployment answer on the port and paths the manifest
 * names, without credentials. The names and paths are read from the files, so they cannot drift.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class DeployArtifactsIntegrationTest {

  private static final Duration WAIT = Duration.ofSeconds(45);
  private static final Path DEPLOY = Path.of("..", "deploy");
  private static final Pattern SEC_NAME = Pattern.compile("\\bsec_[a-z0-9_]*[a-z0-9]");
  private static final List<String> SERIES_SUFFIXES = List.of("_bucket", "_count", "_sum");

  private final JsonMapper json = JsonMapper.builder().build();
  private KafkaInfra kafka;
  private TestDatabase db;
  private RunningCoordinator sec;
  private final TestClock clock = new TestClock(Instant.now());
  private ScriptedParticipants participants;

  @BeforeAll
  void start() {
    kafka = SagaInfra.kafka();
    db = SagaInfra.postgres().newDatabase("sec_deploy");
    String suffix = UUID.randomUUID().toString().substring(0, 8);
    String replyTopic = kafka.uniqueTopic("replies");
    sec =
        RunningCoordinator.start(
            db,
            kafka,
            replyTopic,
            // circuits on (test coordinators run without them unless asked), for their meters
            Map.of("sec.circuit.enabled", "true"),
            List.of(TestSagas.trip(suffix)),
            Map.of("clock", clock));
    List<String> topics = new ArrayList<>();
    for (String step : TestSagas.TRIP_STEPS) {
      topics.add(TestSagas.participant(step, suffix).commandTopic());
    }
    participants =
        new ScriptedParticipants(
            kafka.consumerConfig("participants-" + suffix), kafka.producerConfig(), topics);
  }

  @AfterAll
  void stop() {
    try (TestDatabase d = db;
        RunningCoordinator s = sec;
        ScriptedParticipants p = participants) {
      // closed in reverse order
    }
  }

  @Test
  void everyMeterTheDashboardAndTheAlertRulesQueryIsScrapedWithAHelpText() throws Exception {
    SagaCoordinator coordinator = sec.bean(SagaCoordinator.class);
    awaitStatus(coordinator, start(coordinator, TestData.ok()), "COMPLETED");
    awaitStatus(coordinator, start(coordinator, TestData.of("fail", "s2")), "COMPENSATED");
    awaitStatus(coordinator, start(coordinator, TestData.of("throw", "s1")), "FAILED");
    // a retry and an attempt timeout, by moving the coordinator's clock past their timers
    UUID flaky = start(coordinator, TestData.of("tech", "s2"));
    UUID silent = start(coordinator, TestData.of("silent", "s1"));
    MeterRegistry meters = sec.bean(MeterRegistry.class);
    await()
        .atMost(WAIT)
        .pollInterval(Duration.ofMillis(200))
        .untilAsserted(
            () -> {
              clock.advance(Duration.ofSeconds(1));
              assertThat(meters.find("sec.step.retries").counters()).isNotEmpty();
              assertThat(meters.find("sec.step.timeouts").tag("kind", "attempt").counters())
                  .isNotEmpty();
            });
    awaitStatus(coordinator, flaky, "COMPLETED");
    assertThat(coordinator.find(silent)).get().extracting(SagaView::status).isNotNull();
    Set<String> queried = new TreeSet<>(dashboardNames());
    queried.addAll(alertRuleNames());

    HttpResponse<String> scrape = get("/actuator/prometheus", true);

    assertThat(scrape.statusCode()).isEqualTo(200);
    Map<String, String> help = helpTexts(scrape.body());
    Set<String> series = seriesNames(scrape.body());
    assertThat(queried).as("names the dashboard and the rules query").hasSizeGreaterThan(10);
    for (String name : queried) {
      assertThat(series).as("series %s in the scrape", name).contains(name);
      String family = family(name, help);
      assertThat(help.get(family)).as("HELP of %s", family).isNotBlank();
    }
    // every sec_ family has its HELP, not only the queried ones
    help.forEach(
        (family, text) -> {
          if (family.startsWith("sec_")) {
            assertThat(text).as("HELP of %s", family).isNotBlank();
          }
        });
  }

  @Test
  void coordinatorProbesAnswerWithoutCredentialsOnTheManifestsPortAndPaths() throws Exception {
    Map<String, Object> container = coordinatorContainer();
    Map<String, Object> port = maps(container.get("ports")).get(0);
    Properties app = new Properties();
    try (InputStream in =
        getClass().getClassLoader().getResourceAsStream("application.properties")) {
      app.load(in);
    }

    assertThat(port.get("containerPort"))
        .as("containerPort is the configured server (and management) port")
        .isEqualTo(Integer.parseInt(app.getProperty("server.port", "8080")));
    assertThat(app.getProperty("management.server.port")).isNull();
    for (String probe : List.of("startupProbe", "livenessProbe", "readinessProbe")) {
      Map<String, Object> httpGet = map(map(container.get(probe)).get("httpGet"));
      assertThat(httpGet.get("port")).as(probe + " port").isEqualTo(port.get("name"));
      HttpResponse<String> answer = get((String) httpGet.get("path"), false);
      assertThat(answer.statusCode()).as(probe + " " + httpGet.get("path")).isEqualTo(200);
      assertThat(json.readTree(answer.body()).get("status").asString()).isEqualTo("UP");
    }
    assertThat(map(map(container.get("livenessProbe")).get("httpGet")).get("path"))
        .isEqualTo("/actuator/health/liveness");
    assertThat(map(map(container.get("readinessProbe")).get("httpGet")).get("path"))
        .isEqualTo("/actuator/health/readiness");
  }

  // --- what deploy/ queries

  private Set<String> dashboardNames() throws IOException {
    JsonNode dashboard = json.readTree(DEPLOY.resolve("grafana/saga-coordinator.json").toFile());
    Set<String> names = new TreeSet<>();
    collect(dashboard, names);
    return names;
  }

  private void collect(JsonNode node, Set<String> names) {
    if (node.isString()) {
      names.addAll(secNames(node.asString()));
    }
    for (JsonNode child : node) {
      collect(child, names);
    }
  }

  private Set<String> alertRuleNames() throws IOException {
    Map<String, Object> rules = yaml(DEPLOY.resolve("prometheus/alerts.yml")).get(0);
    Set<String> names = new TreeSet<>();
    int alerts = 0;
    for (Map<String, Object> group : maps(rules.get("groups"))) {
      for (Map<String, Object> rule : maps(group.get("rules"))) {
        alerts++;
        names.addAll(secNames((String) rule.get("expr")));
      }
    }
    assertThat(alerts).as("alert rules").isGreaterThanOrEqualTo(5);
    return names;
  }

  private static Set<String> secNames(String text) {
    Set<String> names = new TreeSet<>();
    Matcher m = SEC_NAME.matcher(text);
    while (m.find()) {
      names.add(m.group());
    }
    return names;
  }

  private Map<String, Object> coordinatorContainer() throws IOException {
    for (Map<String, Object> doc : yaml(DEPLOY.resolve("k8s/coordinator.yaml"))) {
      if ("Deployment".equals(doc.get("kind"))) {
        Map<String, Object> pod = map(map(map(doc.get("spec")).get("template")).get("spec"));
        return maps(pod.get("containers")).get(0);
      }
    }
    throw new AssertionError("no Deployment in deploy/k8s/coordinator.yaml");
  }

  // --- the scrape

  /** HELP text per metric family, as the text format names it. */
  private static Map<String, String> helpTexts(String scrape) {
    Map<String, String> help = new LinkedHashMap<>();
    for (String line : scrape.split("\n")) {
      if (line.startsWith("# HELP ")) {
        String rest = line.substring("# HELP ".length());
        int space = rest.indexOf(' ');
        help.put(
            space < 0 ? rest : rest.substring(0, space),
            space < 0 ? "" : rest.substring(space + 1));
      }
    }
    return help;
  }

  private static Set<String> seriesNames(String scrape) {
    Set<String> names = new TreeSet<>();
    for (String line : scrape.split("\n")) {
      if (!line.isEmpty() && !line.startsWith("#")) {
        int end = line.indexOf('{');
        names.add(line.substring(0, end < 0 ? line.indexOf(' ') : end));
      }
    }
    return names;
  }

  /** The family a series belongs to: a histogram's {@code _bucket} is under its base name. */
  private static String family(String series, Map<String, String> help) {
    if (help.containsKey(series)) {
      return series;
    }
    for (String suffix : SERIES_SUFFIXES) {
      if (series.endsWith(suffix)) {
        return series.substring(0, series.length() - suffix.length());
      }
    }
    if (series.endsWith("_total")) {
      return series.substring(0, series.length() - "_total".length());
    }
    return series;
  }

  // --- helpers

  private UUID start(SagaCoordinator coordinator, TestData data) {
    return coordinator.start(TestSagas.TRIP, UUID.randomUUID().toString(), data).sagaId();
  }

  private void awaitStatus(SagaCoordinator coordinator, UUID id, String status) {
    await()
        .atMost(WAIT)
        .pollInterval(Duration.ofMillis(100))
        .untilAsserted(
            () ->
                assertThat(coordinator.find(id))
                    .get()
                    .extracting(SagaView::status)
                    .isEqualTo(status));
  }

  private HttpResponse<String> get(String path, boolean withKey) throws Exception {
    HttpRequest.Builder request =
        HttpRequest.newBuilder(URI.create("http://localhost:" + sec.port() + path)).GET();
    if (withKey) {
      request.header("X-API-Key", RunningCoordinator.ADMIN_KEY);
    }
    return HttpClient.newHttpClient().send(request.build(), HttpResponse.BodyHandlers.ofString());
  }

  private static List<Map<String, Object>> yaml(Path file) throws IOException {
    List<Map<String, Object>> docs = new ArrayList<>();
    try (Reader in = Files.newBufferedReader(file)) {
      for (Object doc : new Yaml(new LoaderOptions()).loadAll(in)) {
        if (doc != null) {
          docs.add(map(doc));
        }
      }
    }
    return docs;
  }

  @SuppressWarnings("unchecked")
  private static Map<String, Object> map(Object value) {
    return (Map<String, Object>) value;
  }

  @SuppressWarnings("unchecked")
  private static List<Map<String, Object>> maps(Object value) {
    return (List<Map<String, Object>>) value;
  }
}
