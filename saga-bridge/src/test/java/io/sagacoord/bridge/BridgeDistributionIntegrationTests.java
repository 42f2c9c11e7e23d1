package io.sagacoord.bridge;

import static io.sagacoord.bridge.BridgeFixture.body;
import static io.sagacoord.bridge.BridgeFixture.header;
import static org.assertj.core.api.Assertions.assertThat;

import io.sagacoord.bridge.BridgeFixture.Command;
import io.sagacoord.protocol.SagaHeaders;
import io.sagacoord.testkit.KafkaInfra;
import io.sagacoord.testkit.SagaInfraTest;
import io.sagacoord.testkit.TestDatabase;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The built distribution ({@code target/saga-bridge-<version>-bin.tar.gz}) unpacked and started
 * with {@code bin/saga-bridge}, as an operator runs it: settings from {@code config/} and the
 * environment, a command answered, a clean stop on SIGTERM, and a settings error in one line.
 */
@SagaInfraTest
class BridgeDistributionIntegrationTests {
  private BridgeFixture fx;
  private ScriptedService service;
  private Process bridge;

  @BeforeEach
  void setUp(KafkaInfra kafka, TestDatabase db) {
    fx = new BridgeFixture(kafka, db);
  }

  @AfterEach
  void tearDown() throws Exception {
    if (bridge != null && bridge.isAlive()) {
      bridge.destroyForcibly().waitFor(30, TimeUnit.SECONDS);
    }
    if (service != null) {
      service.close();
    }
    fx.close();
  }

  @Test
  void theLauncherRunsTheBridgeFromItsConfigAndStopsCleanlyOnSigterm(@TempDir Path dir)
      throws Exception {
    service =
        ScriptedService.start(
            call -> ScriptedService.json(200, "{\"reservationId\":\"from-dist\"}"));
    Path home = unpack(dir);
    Path settings = home.resolve("config/bridge.properties");
    assertThat(settings).isRegularFile();
    assertThat(home.resolve("lib")).isDirectory();
    assertThat(Files.isExecutable(home.resolve("bin/saga-bridge"))).isTrue();
    ProcessBuilder launch =
        new ProcessBuilder(home.resolve("bin/saga-bridge").toString())
            .redirectErrorStream(true)
            .redirectOutput(dir.resolve("bridge.log").toFile());
    // the shipped file names the car service; the environment points it at this test's world
    launch.environment().put("BRIDGE_PARTICIPANT", "car-service-" + UUID.randomUUID());
    launch.environment().put("BRIDGE_SERVICE_BASE_URL", service.baseUrl().toString());
    launch.environment().put("BRIDGE_COMMAND_TOPIC", fx.commandTopic);
    launch.environment().put("BRIDGE_KAFKA_BOOTSTRAP_SERVERS", fx.kafka.bootstrapServers());
    launch.environment().put("BRIDGE_DB_URL", fx.db.jdbcUrl());
    launch.environment().put("BRIDGE_DB_USER", fx.db.username());
    launch.environment().put("BRIDGE_DB_PASSWORD", fx.db.password());
    bridge = launch.start();
    UUID saga = UUID.randomUUID();

    fx.send(Command.reserve(saga, "{\"location\":\"BSL\"}"));

    ConsumerRecord<String, byte[]> reply = fx.awaitRepliesOf(saga, 1).get(0);
    assertThat(header(reply, SagaHeaders.OUTCOME)).isEqualTo("SUCCESS");
    assertThat(body(reply)).isEqualTo("{\"reservationId\":\"from-dist\"}");
    assertThat(service.calls()).hasSize(1);
    bridge.destroy();
    assertThat(bridge.waitFor(60, TimeUnit.SECONDS)).isTrue();
    String log = Files.readString(dir.resolve("bridge.log"), StandardCharsets.UTF_8);
    assertThat(bridge.exitValue()).as(log).isIn(0, 143);
    assertThat(log).contains("bridge for car-service-");
  }

  @Test
  void aSettingsErrorIsOneLineAndExitCodeTwo(@TempDir Path dir) throws Exception {
    Path home = unpack(dir);
    Path broken = dir.resolve("broken.properties");
    Files.writeString(broken, "bridge.participant=car-service\n");
    Process launched =
        new ProcessBuilder(home.resolve("bin/saga-bridge").toString(), broken.toString())
            .redirectErrorStream(true)
            .start();
    String output = new String(launched.getInputStream().readAllBytes(), StandardCharsets.UTF_8);

    assertThat(launched.waitFor(60, TimeUnit.SECONDS)).isTrue();
    assertThat(launched.exitValue()).as(output).isEqualTo(2);
    assertThat(output.strip().lines()).hasSize(1);
    assertThat(output).contains("saga-bridge:", "required");
  }

  /** Unpacks the built archive with the system's tar (which keeps the launcher's mode). */
  private static Path unpack(Path into) throws IOException, InterruptedException {
    String archive = System.getProperty("saga.bridge.dist.archive");
    assertThat(archive)
        .as("system property saga.bridge.dist.archive (set by the pom)")
        .isNotBlank();
    Process tar =
        new ProcessBuilder("tar", "-xzf", archive, "-C", into.toString())
            .redirectErrorStream(true)
            .start();
    String output = new String(tar.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(tar.waitFor(2, TimeUnit.MINUTES)).isTrue();
    assertThat(tar.exitValue()).as("tar: " + output).isZero();
    try (Stream<Path> top = Files.list(into)) {
      List<Path> folders = top.filter(Files::isDirectory).toList();
      assertThat(folders).as("one top folder in the archive").hasSize(1);
      return folders.get(0);
    }
  }
}
