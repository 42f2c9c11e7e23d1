package io.sagacoord.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.sagacoord.protocol.Phase;
import io.sagacoord.server.internal.kafka.EarlyReplyStart;
import io.sagacoord.server.internal.kafka.ReplyConsumer;
import io.sagacoord.server.support.RunningCoordinator;
import io.sagacoord.server.support.ScriptedParticipants;
import io.sagacoord.server.support.TestData;
import io.sagacoord.server.support.TestSagas;
import io.sagacoord.testkit.KafkaInfra;
import io.sagacoord.testkit.SagaInfra;
import io.sagacoord.testkit.TestDatabase;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.springframework.beans.factory.config.BeanPostProcessor;
import org.springframework.jdbc.core.simple.JdbcClient;

/**
 * The order in which a restarted coordinator resumes: the replies that waited in Kafka while it was
 * down are applied before its timers fire (a step whose timer fell due during the downtime is not
 * retried when its reply is there), with the reply consumers started early (before the web,
 * security and actuator beans are created; the default) and in the lifecycle ({@code
 * sec.kafka.early-start=false}).
 *
 * <p>The step timeout is an hour, so no timer can fire while the first coordinator runs (a 1-s
 * timeout did, on a loaded CI machine: the first coordinator retried the step before it stopped).
 * The test moves the timer's due time into the past while no coordinator runs.
 */
class StartupOrderIntegrationTest {

  private static final Duration WAIT = Duration.ofSeconds(60);
  private static final Duration STEP_TIMEOUT = Duration.ofHours(1);

  @ParameterizedTest
  @ValueSource(booleans = {true, false})
  void repliesWaitingAtStartUpAreAppliedBeforeOverdueTimersFire(boolean earlyStart)
      throws Exception {
    KafkaInfra kafka = SagaInfra.kafka();
    String suffix = UUID.randomUUID().toString().substring(0, 8);
    String replyTopic = kafka.uniqueTopic("replies");
    Map<String, Object> props = Map.of("sec.kafka.early-start", Boolean.toString(earlyStart));
    List<String> commandTopics = new ArrayList<>();
    for (String step : TestSagas.TRIP_STEPS) {
      commandTopics.add(TestSagas.participant(step, suffix).commandTopic());
    }
    try (TestDatabase db = SagaInfra.postgres().newDatabase("sec_order")) {
      UUID id;
      // 1. a saga waits on its first step; no participant runs; the coordinator stops
      try (RunningCoordinator first =
          RunningCoordinator.start(
              db, kafka, replyTopic, props, List.of(TestSagas.trip(suffix, 1, STEP_TIMEOUT)))) {
        id =
            first
                .bean(SagaCoordinator.class)
                .start(TestSagas.TRIP, UUID.randomUUID().toString(), TestData.ok())
                .sagaId();
        JdbcClient jdbc = first.bean(JdbcClient.class);
        await()
            .atMost(WAIT)
            .until(
                () ->
                    jdbc.sql("SELECT count(*) FROM saga_outbox").query(Long.class).single() == 0
                        && jdbc.sql("SELECT count(*) FROM saga_timer WHERE saga_id = :id")
                                .param("id", id)
                                .query(Long.class)
                                .single()
                            > 0);
      }
      // 2. while it is down the participant answers, and the step's timer is made overdue
      try (ScriptedParticipants participants =
          new ScriptedParticipants(
              kafka.consumerConfig("participants-" + suffix),
              kafka.producerConfig(),
              commandTopics)) {
        // the reply is in Kafka before the coordinator restarts (received is recorded first)
        await().atMost(WAIT).until(() -> participants.sent() > 0);
        JdbcClient down = JdbcClient.create(db.dataSource());
        assertThat(
                down.sql(
                        "UPDATE saga_timer SET due_at = now() - interval '1 minute'"
                            + " WHERE saga_id = :id AND kind = 'STEP_TIMEOUT' AND step = 's1'")
                    .param("id", id)
                    .update())
            .as("the step timeout of s1, attempt 1, made overdue")
            .isEqualTo(1);

        // 3. the restarted coordinator applies the reply: s1 is not retried
        AtomicReference<Boolean> replyConsumerRunningAtMvc = new AtomicReference<>();
        BeanPostProcessor probe = new StartOrderProbe(replyConsumerRunningAtMvc);
        try (RunningCoordinator second =
            RunningCoordinator.start(
                db,
                kafka,
                replyTopic,
                props,
                List.of(TestSagas.trip(suffix, 1, STEP_TIMEOUT)),
                Map.of("startOrderProbe", probe))) {
          SagaCoordinator coordinator = second.bean(SagaCoordinator.class);
          await()
              .atMost(WAIT)
              .pollInterval(Duration.ofMillis(100))
              .until(() -> "COMPLETED".equals(coordinator.find(id).orElseThrow().status()));
          assertThat(
                  participants.received(id).stream()
                      .filter(r -> r.step().equals("s1") && r.phase() == Phase.FORWARD))
              .as(
                  "s1 was answered while the coordinator was down; its overdue timer must not"
                      + " retry it")
              .singleElement()
              .satisfies(r -> assertThat(r.attempt()).isEqualTo(1));
          assertThat(second.bean(EarlyReplyStart.class).started()).isEqualTo(earlyStart);
          assertThat(replyConsumerRunningAtMvc.get())
              .as("reply consumers running when the MVC handler mapping was created")
              .isEqualTo(earlyStart);
        }
      }
    }
  }

  /**
   * Records whether the reply consumers were running when Spring MVC's request mapping (an
   * auto-configured bean, created after the coordinator's own) was initialised.
   */
  private static final class StartOrderProbe implements BeanPostProcessor {
    private final AtomicReference<Boolean> runningAtMvc;
    private volatile ReplyConsumer replies;

    StartOrderProbe(AtomicReference<Boolean> runningAtMvc) {
      this.runningAtMvc = runningAtMvc;
    }

    @Override
    public Object postProcessAfterInitialization(Object bean, String beanName) {
      if (bean instanceof ReplyConsumer r) {
        replies = r;
      } else if ("requestMappingHandlerMapping".equals(beanName)) {
        runningAtMvc.set(replies != null && replies.isRunning());
      }
      return bean;
    }
  }
}
