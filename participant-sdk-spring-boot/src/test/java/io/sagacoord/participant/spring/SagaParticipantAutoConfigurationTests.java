package io.sagacoord.participant.spring;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.sagacoord.participant.CommandContext;
import io.sagacoord.participant.HandlerRegistration;
import io.sagacoord.participant.Outcome;
import io.sagacoord.protocol.SagaHeaders;
import io.sagacoord.testkit.KafkaInfra;
import io.sagacoord.testkit.SagaInfra;
import io.sagacoord.testkit.TestDatabase;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import javax.sql.DataSource;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.internals.RecordHeader;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.springframework.aop.support.AopUtils;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Import;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.jdbc.datasource.DataSourceUtils;
import org.springframework.stereotype.Component;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import org.springframework.transaction.annotation.Transactional;

/** The auto-configuration in a Spring Boot app with an annotated, @Transactional handler. */
@SpringBootTest(classes = SagaParticipantAutoConfigurationTests.FlightApp.class)
class SagaParticipantAutoConfigurationTests {
  static final KafkaInfra KAFKA = SagaInfra.kafka();
  static final TestDatabase DB = SagaInfra.postgres().newDatabase("sdkspring");
  static final String COMMANDS = KAFKA.uniqueTopic("flight-commands");
  static final String REPLIES = KAFKA.uniqueTopic("replies");

  public record ReserveFlight(String flight, String passenger) {}

  public record FlightReserved(long reservationId, String flight) {}

  public record CancelFlight(String flight) {}

  @SpringBootConfiguration
  @EnableAutoConfiguration
  @Import(FlightHandlers.class)
  static class FlightApp {
    @Bean
    HandlerRegistration<CancelFlight> cancelFlight(JdbcTemplate jdbc) {
      return HandlerRegistration.compensation(
          "flight.cancel",
          CancelFlight.class,
          (ctx, cmd) -> {
            jdbc.update(
                "UPDATE flight_booking SET status = 'CANCELLED' WHERE saga_id = ?", ctx.sagaId());
            return Outcome.done();
          });
    }
  }

  @Component
  public static class FlightHandlers {
    final AtomicInteger runs = new AtomicInteger();
    final AtomicBoolean sameConnection = new AtomicBoolean();
    private final JdbcTemplate jdbc;
    private final DataSource dataSource;

    public FlightHandlers(JdbcTemplate jdbc, DataSource dataSource) {
      this.jdbc = jdbc;
      this.dataSource = dataSource;
    }

    // fields of a CGLIB proxy are not the target's: tests read through methods
    public int runs() {
      return runs.get();
    }

    public boolean sameConnection() {
      return sameConnection.get();
    }

    @SagaCommandHandler("flight.reserve")
    @Transactional
    public FlightReserved reserve(CommandContext context, ReserveFlight command) {
      Connection bound = DataSourceUtils.getConnection(dataSource);
      sameConnection.set(bound == context.connection());
      DataSourceUtils.releaseConnection(bound, dataSource);
      Long id =
          jdbc.queryForObject(
              "INSERT INTO flight_booking (saga_id, flight, status) VALUES (?, ?, 'RESERVED')"
                  + " RETURNING id",
              Long.class,
              context.sagaId(),
              command.flight());
      if (runs.incrementAndGet() == 1) {
        // the insert above must vanish with the savepoint, and the batch must still commit
        throw new IllegalStateException("first run fails");
      }
      return new FlightReserved(id, command.flight());
    }
  }

  @DynamicPropertySource
  static void properties(DynamicPropertyRegistry registry) {
    KAFKA.createTopic(COMMANDS, 1);
    KAFKA.createTopic(REPLIES, 1);
    new JdbcTemplate(DB.dataSource())
        .execute(
            "CREATE TABLE flight_booking (id bigserial PRIMARY KEY, saga_id uuid NOT NULL,"
                + " flight text NOT NULL, status text NOT NULL)");
    registry.add("spring.datasource.url", DB::jdbcUrl);
    registry.add("spring.datasource.username", DB::username);
    registry.add("spring.datasource.password", DB::password);
    registry.add("saga.participant.name", () -> "flight-service");
    registry.add("saga.participant.bootstrap-servers", KAFKA::bootstrapServers);
    registry.add("saga.participant.command-topic", () -> COMMANDS);
    registry.add("saga.participant.dead-letter-topic", () -> KAFKA.uniqueTopic("dlq"));
    registry.add("saga.participant.registry-topic", () -> KAFKA.uniqueTopic("registry"));
    registry.add("saga.participant.group-id", () -> KAFKA.uniqueTopic("group"));
    registry.add("saga.participant.poll-timeout", () -> "100ms");
    registry.add("saga.participant.concurrency", () -> "3");
    registry.add("saga.participant.drain-timeout", () -> "2s");
    registry.add("saga.participant.batch-budget", () -> "120ms");
    registry.add("saga.participant.local-retries.initial-backoff", () -> "10ms");
    registry.add("saga.participant.version", () -> "9.9.9");
    registry.add("saga.participant.inbox-retention", () -> "10d");
    registry.add("saga.participant.fence-retention", () -> "40d");
  }

  @AfterAll
  static void closeDatabase() {
    DB.close();
  }

  @Autowired FlightHandlers handlers;
  @Autowired SagaParticipantLifecycle lifecycle;
  @Autowired JdbcTemplate jdbc;

  @Test
  void annotatedTransactionalHandlerJoinsTheSdkTransactionAndCompensationBeanRuns() {
    assertThat(lifecycle.isRunning()).isTrue();
    assertThat(lifecycle.participant().name()).isEqualTo("flight-service");
    assertThat(lifecycle.participant().concurrency()).isEqualTo(3);
    assertThat(lifecycle.participant().batchBudget()).isEqualTo(Duration.ofMillis(120));
    assertThat(AopUtils.isAopProxy(handlers)).as("@Transactional proxy").isTrue();
    UUID saga = UUID.randomUUID();

    send(saga, "forward", "flight.reserve", "{\"flight\":\"LX318\",\"passenger\":\"Ada\"}");
    ConsumerRecord<String, byte[]> reserved = awaitReplies(1).get(0);

    assertThat(header(reserved, SagaHeaders.OUTCOME)).isEqualTo("SUCCESS");
    assertThat(new String(reserved.value(), StandardCharsets.UTF_8))
        .contains("\"flight\":\"LX318\"");
    assertThat(handlers.runs()).isEqualTo(2);
    assertThat(handlers.sameConnection()).isTrue();
    assertThat(jdbc.queryForObject("SELECT count(*) FROM flight_booking", Long.class)).isEqualTo(1);
    assertThat(
            jdbc.queryForObject(
                "SELECT count(*) FROM saga_participant_inbox WHERE outcome = 'SUCCESS'",
                Long.class))
        .isEqualTo(1);

    send(saga, "compensate", "flight.cancel", "{\"flight\":\"LX318\"}");
    assertThat(header(awaitReplies(2).get(1), SagaHeaders.OUTCOME)).isEqualTo("SUCCESS");
    assertThat(
            jdbc.queryForObject(
                "SELECT status FROM flight_booking WHERE saga_id = ?", String.class, saga))
        .isEqualTo("CANCELLED");
  }

  private static void send(UUID saga, String phase, String type, String body) {
    List<Header> headers = new ArrayList<>();
    add(headers, SagaHeaders.SAGA_ID, saga.toString());
    add(headers, SagaHeaders.SAGA_TYPE, "trip-booking");
    add(headers, SagaHeaders.STEP, "reserve-flight");
    add(headers, SagaHeaders.PHASE, phase);
    add(headers, SagaHeaders.ATTEMPT, "1");
    add(headers, SagaHeaders.COMMAND_ID, UUID.randomUUID().toString());
    add(headers, SagaHeaders.MESSAGE_KIND, "command");
    add(headers, SagaHeaders.COMMAND_TYPE, type);
    add(headers, SagaHeaders.REPLY_TOPIC, REPLIES);
    try (KafkaProducer<String, byte[]> producer = new KafkaProducer<>(KAFKA.producerConfig())) {
      producer
          .send(
              new ProducerRecord<>(
                  COMMANDS, null, saga.toString(), body.getBytes(StandardCharsets.UTF_8), headers))
          .get();
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  private static void add(List<Header> headers, String name, String value) {
    headers.add(new RecordHeader(name, value.getBytes(StandardCharsets.UTF_8)));
  }

  private static String header(ConsumerRecord<?, ?> record, String name) {
    Header header = record.headers().lastHeader(name);
    return header == null ? null : new String(header.value(), StandardCharsets.UTF_8);
  }

  private static List<ConsumerRecord<String, byte[]>> awaitReplies(int count) {
    List<ConsumerRecord<String, byte[]>> seen = new ArrayList<>();
    try (KafkaConsumer<String, byte[]> consumer =
        new KafkaConsumer<>(KAFKA.consumerConfig(UUID.randomUUID().toString()))) {
      TopicPartition partition = new TopicPartition(REPLIES, 0);
      consumer.assign(List.of(partition));
      consumer.seekToBeginning(List.of(partition));
      await()
          .atMost(Duration.ofSeconds(60))
          .until(
              () -> {
                consumer.poll(Duration.ofMillis(200)).forEach(seen::add);
                return seen.size() >= count;
              });
    }
    return seen;
  }
}
