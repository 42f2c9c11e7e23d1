package io.sagacoord.participant;

import io.sagacoord.participant.flight.FlightService;
import io.sagacoord.testkit.KafkaInfra;
import io.sagacoord.testkit.SagaInfraTest;
import io.sagacoord.testkit.TestDatabase;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfEnvironmentVariable;

/**
 * Not a test: measures commands handled per second by one participant (distinct sagas, each command
 * inserting one row). Runs only with SAGA_BENCH=true:
 *
 * <pre>
 * SAGA_BENCH=true ./mvnw -B -ntp -q -pl participant-sdk verify -Dtest=ThroughputMeasurement \
 *     -Dsurefire.failIfNoSpecifiedTests=false
 * </pre>
 *
 * SAGA_BENCH_COMMANDS (default 20000), SAGA_BENCH_THREADS (consumer threads, default 1) and
 * SAGA_BENCH_CONCURRENCY (handler threads per consumer thread, default the SDK's) tune it. The
 * result is printed to the test output (target/surefire-reports/*ThroughputMeasurement-output.txt).
 */
@SagaInfraTest
@EnabledIfEnvironmentVariable(named = "SAGA_BENCH", matches = "true")
class ThroughputMeasurement {
  private static final String BODY = "{\"flight\":\"LX318\",\"passenger\":\"Ada\"}";

  @Test
  void measureCommandsPerSecond(KafkaInfra kafka, TestDatabase db) throws Exception {
    int commands = Integer.parseInt(envOr("SAGA_BENCH_COMMANDS", "20000"));
    int threads = Integer.parseInt(envOr("SAGA_BENCH_THREADS", "1"));
    int concurrency =
        Integer.parseInt(
            envOr(
                "SAGA_BENCH_CONCURRENCY",
                Integer.toString(Participant.Builder.DEFAULT_CONCURRENCY)));
    try (ParticipantFixture fx = new ParticipantFixture(kafka, db)) {
      Participant participant =
          fx.start(fx.flightParticipant().consumerThreads(threads).concurrency(concurrency));
      // warm up: group joined, connection pool and JIT going
      for (int i = 0; i < 200; i++) {
        fx.send(CommandSpec.forward(UUID.randomUUID(), FlightService.RESERVE, BODY));
      }
      fx.awaitReplies(200);

      try (KafkaConsumer<String, byte[]> replies =
          new KafkaConsumer<>(kafka.consumerConfig(UUID.randomUUID().toString()))) {
        TopicPartition partition = new TopicPartition(fx.replyTopic, 0);
        replies.assign(List.of(partition));
        replies.seekToEnd(List.of(partition));
        replies.position(partition);
        long start = System.nanoTime();
        for (int i = 0; i < commands; i++) {
          fx.sendAsync(CommandSpec.forward(UUID.randomUUID(), FlightService.RESERVE, BODY));
        }
        fx.flush();
        long sent = System.nanoTime();
        int seen = 0;
        while (seen < commands) {
          seen += replies.poll(Duration.ofMillis(100)).count();
          if (System.nanoTime() - start > Duration.ofMinutes(10).toNanos()) {
            break;
          }
        }
        double seconds = (System.nanoTime() - start) / 1e9;
        System.out.printf(
            "THROUGHPUT: %d commands, %d consumer thread(s) x %d handler thread(s), %d command"
                + " partitions: %.1f s (producing took %.1f s) = %.0f commands/s; metrics %s%n",
            seen,
            threads,
            concurrency,
            2,
            seconds,
            (sent - start) / 1e9,
            seen / seconds,
            participant.metrics());
      }
    }
  }

  private static String envOr(String name, String fallback) {
    String value = System.getenv(name);
    return value == null ? fallback : value;
  }
}
