package io.sagacoord.bridge;

import static io.sagacoord.bridge.BridgeFixture.body;
import static io.sagacoord.bridge.BridgeFixture.header;
import static org.assertj.core.api.Assertions.assertThat;

import io.sagacoord.bridge.BridgeFixture.Command;
import io.sagacoord.protocol.SagaHeaders;
import io.sagacoord.testkit.JavaProcess;
import io.sagacoord.testkit.KafkaInfra;
import io.sagacoord.testkit.SagaInfraTest;
import io.sagacoord.testkit.TestDatabase;
import java.io.IOException;
import java.io.Writer;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Duration;
import java.util.List;
import java.util.Properties;
import java.util.UUID;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.ObjectMapper;
import tools.jackson.databind.json.JsonMapper;

/**
 * The bridge as its own JVM ({@link BridgeMain}, as deployed) in front of the JavaScript car
 * service, SIGKILLed after the service answered and before the bridge's inbox recorded the answer.
 */
@SagaInfraTest
class BridgeCrashIntegrationTests {
  private static final String RESERVE =
      "{\"location\":\"GVA\",\"pickUp\":\"2027-05-01\",\"dropOff\":\"2027-05-03\","
          + "\"driver\":\"Ada\"}";
  private static final Duration PATIENCE = Duration.ofSeconds(90);

  private final ObjectMapper json = JsonMapper.builder().build();
  private BridgeFixture fx;
  private NodeCarService cars;
  private TestDatabase db;

  @BeforeEach
  void setUp(KafkaInfra kafka, TestDatabase db, @TempDir Path dir) throws Exception {
    Assumptions.assumeTrue(
        NodeCarService.available(),
        "node is not on the PATH (or car-service.js is missing): the crash through the bridge"
            + " is not tested");
    this.db = db;
    fx = new BridgeFixture(kafka, db);
    cars = NodeCarService.start(dir, 5);
  }

  @AfterEach
  void tearDown() throws Exception {
    if (fx != null) {
      fx.close();
    }
    if (cars != null) {
      cars.close();
    }
  }

  @Test
  void aCommandDeliveredThreeTimesAndABridgeKilledBetweenCallAndCommitLeaveOneReservation(
      @TempDir Path dir) throws Exception {
    Path settings = settings(dir);
    UUID saga = UUID.randomUUID();
    Command reserve = Command.reserve(saga, RESERVE);

    try (JavaProcess crashing =
        bridge("bridge-crashing", settings)
            .systemProperty(CrashPoint.PROPERTY, CrashPoint.AFTER_CALL_BEFORE_COMMIT)
            .start()) {
      crashing.awaitLogLine("bridge for", PATIENCE);
      fx.send(reserve);
      fx.send(reserve);
      fx.send(reserve);
      crashing.awaitLogLine("crash point " + CrashPoint.AFTER_CALL_BEFORE_COMMIT, PATIENCE);
      crashing.kill();
    }
    // the service did the work; the bridge recorded and answered nothing
    JsonNode beforeRestart = reservations();
    assertThat(beforeRestart.size()).isEqualTo(1);
    assertThat(inboxRows(saga)).isZero();
    assertThat(fx.countRecords(fx.replyTopic)).isZero();

    try (JavaProcess restarted = bridge("bridge-restarted", settings).start()) {
      List<ConsumerRecord<String, byte[]>> replies = fx.awaitRepliesOf(saga, 3);

      assertThat(replies).extracting(r -> header(r, SagaHeaders.OUTCOME)).containsOnly("SUCCESS");
      String reservationId = beforeRestart.get(0).get("id").asString();
      assertThat(replies)
          .extracting(BridgeFixture::body)
          .containsOnly("{\"reservationId\":\"" + reservationId + "\"}");
      JsonNode after = reservations();
      assertThat(after.size()).isEqualTo(1);
      assertThat(after.get(0).get("sagaId").asString()).isEqualTo(saga.toString());
      assertThat(after.get(0).get("status").asString()).isEqualTo("RESERVED");
      assertThat(inboxRows(saga)).isOne();
      assertThat(json.readTree(body(replies.get(0))).get("reservationId").asString())
          .isEqualTo(reservationId);
      restarted.stop(Duration.ofSeconds(30));
    }
  }

  /** The bridge's settings file: this test's topics, database and service. */
  private Path settings(Path dir) throws IOException {
    Properties p = new Properties();
    p.setProperty("bridge.participant", "car-service-" + UUID.randomUUID());
    p.setProperty("bridge.service.base-url", cars.baseUrl().toString());
    p.setProperty("bridge.commands.forward", BridgeFixture.RESERVE);
    p.setProperty("bridge.commands.compensate", BridgeFixture.CANCEL);
    p.setProperty("bridge.command-topic", fx.commandTopic);
    p.setProperty("bridge.kafka.bootstrap.servers", fx.kafka.bootstrapServers());
    // static membership: the restarted bridge gets the killed one's partitions at once
    p.setProperty("bridge.kafka.group.instance.id", "car-bridge-1");
    p.setProperty("bridge.db.url", db.jdbcUrl());
    p.setProperty("bridge.db.user", db.username());
    p.setProperty("bridge.db.password", db.password());
    Path file = dir.resolve("bridge.properties");
    try (Writer out = Files.newBufferedWriter(file, StandardCharsets.UTF_8)) {
      p.store(out, "the car bridge of the crash test");
    }
    return file;
  }

  private static JavaProcess.Builder bridge(String name, Path settings) {
    // the bridge's own logging, not this module's quiet test configuration
    URL logging = BridgeMain.class.getResource("/logback.xml");
    return JavaProcess.builder(BridgeMain.class.getName())
        .name(name)
        .systemProperty("logback.configurationFile", String.valueOf(logging))
        .args(settings.toString());
  }

  private JsonNode reservations() throws Exception {
    return json.readTree(cars.get("/reservations").body());
  }

  private int inboxRows(UUID saga) throws Exception {
    try (Connection c = db.dataSource().getConnection();
        PreparedStatement s =
            c.prepareStatement("SELECT count(*) FROM saga_participant_inbox WHERE saga_id = ?")) {
      s.setObject(1, saga);
      try (ResultSet rows = s.executeQuery()) {
        rows.next();
        return rows.getInt(1);
      }
    }
  }
}
