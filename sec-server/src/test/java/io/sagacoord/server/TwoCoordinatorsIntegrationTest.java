package io.sagacoord.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.sagacoord.server.support.ChildCoordinators;
import io.sagacoord.server.support.RunningCoordinator;
import io.sagacoord.server.support.ScriptedParticipants;
import io.sagacoord.server.support.TestSagas;
import io.sagacoord.testkit.FreePorts;
import io.sagacoord.testkit.JavaProcess;
import io.sagacoord.testkit.KafkaInfra;
import io.sagacoord.testkit.SagaInfra;
import io.sagacoord.testkit.TestDatabase;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.springframework.jdbc.core.simple.JdbcClient;

/**
 * Two coordinator processes share one database and a reply topic of several partitions: both handle
 * transitions; after one is SIGKILLed the other finishes every saga (it gets the dead one's
 * partitions once the consumer session timeout, 6 s here, expires, and its timers at once).
 */
class TwoCoordinatorsIntegrationTest {

  // the broker's smallest session timeout: the survivor gets the dead one's partitions after it
  private static final Map<String, String> SHORT_SESSION =
      Map.of(
          "sec.kafka.consumer-properties[session.timeout.ms]", "6000",
          "sec.kafka.consumer-properties[heartbeat.interval.ms]", "1000");

  private final HttpClient http = HttpClient.newHttpClient();

  @Test
  void bothInstancesHandleSagasAndTheSurvivorFinishesThemAllAfterTheOtherIsKilled()
      throws Exception {
    KafkaInfra kafka = SagaInfra.kafka();
    String suffix = UUID.randomUUID().toString().substring(0, 8);
    String replyTopic = kafka.uniqueTopic("replies");
    kafka.createTopic(replyTopic, 4);
    List<String> topics = new ArrayList<>();
    for (String step : TestSagas.TRIP_STEPS) {
      String topic = TestSagas.participant(step, suffix).commandTopic();
      kafka.createTopic(topic, 4);
      topics.add(topic);
    }
    int[] ports = FreePorts.distinct(2);
    int portA = ports[0];
    int portB = ports[1];
    try (TestDatabase db = SagaInfra.postgres().newDatabase("sec_two");
        ScriptedParticipants participants =
            new ScriptedParticipants(
                kafka.consumerConfig("participants-" + suffix), kafka.producerConfig(), topics);
        JavaProcess a =
            ChildCoordinators.start(
                "sec-two-a", "sec-a", portA, db, kafka, suffix, replyTopic, SHORT_SESSION);
        JavaProcess b =
            ChildCoordinators.start(
                "sec-two-b", "sec-b", portB, db, kafka, suffix, replyTopic, SHORT_SESSION)) {
      JdbcClient jdbc = JdbcClient.create(db.dataSource());

      // keep starting sagas until replies have been applied by both instances: the second
      // instance's consumer may join the group only after a first batch of sagas has finished
      AtomicInteger started = new AtomicInteger();
      await()
          .atMost(Duration.ofSeconds(120))
          .pollInterval(Duration.ofMillis(500))
          .untilAsserted(
              () -> {
                for (int i = 0; i < 4; i++) {
                  int n = started.getAndIncrement();
                  post(n % 2 == 0 ? portA : portB, n % 10 == 0 ? "fail" : "ok");
                }
                assertThat(
                        jdbc.sql(
                                "SELECT DISTINCT handled_by FROM saga_log WHERE kafka_topic IS"
                                    + " NOT NULL")
                            .query(String.class)
                            .list())
                    .containsExactlyInAnyOrder("sec-a", "sec-b");
              });

      for (int i = 0; i < 40; i++) {
        post(portA, "ok");
      }
      a.kill();
      for (int i = 0; i < 20; i++) {
        post(portB, "ok");
      }

      await()
          .atMost(Duration.ofSeconds(90))
          .pollInterval(Duration.ofMillis(250))
          .untilAsserted(
              () ->
                  assertThat(
                          jdbc.sql(
                                  "SELECT count(*) FROM saga_instance"
                                      + " WHERE status NOT IN ('COMPLETED', 'COMPENSATED')")
                              .query(Long.class)
                              .single())
                      .isZero());
      assertThat(jdbc.sql("SELECT count(*) FROM saga_instance").query(Long.class).single())
          .isGreaterThanOrEqualTo(60);
    }
  }

  private void post(int port, String scenario) {
    String body =
        "{\"scenario\":\""
            + scenario
            + "\",\"failAt\":"
            + ("fail".equals(scenario) ? "\"s3\"" : "null")
            + ",\"failTimes\":1,\"note\":null}";
    try {
      http.send(
          HttpRequest.newBuilder(
                  URI.create("http://localhost:" + port + "/api/sagas/" + TestSagas.TRIP))
              .header("Content-Type", "application/json")
              .header("X-API-Key", RunningCoordinator.ADMIN_KEY)
              .header("Idempotency-Key", UUID.randomUUID().toString())
              .POST(HttpRequest.BodyPublishers.ofString(body))
              .build(),
          HttpResponse.BodyHandlers.discarding());
    } catch (Exception e) {
      throw new IllegalStateException("start failed", e);
    }
  }
}
