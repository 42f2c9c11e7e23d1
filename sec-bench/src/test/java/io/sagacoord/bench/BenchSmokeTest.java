package io.sagacoord.bench;

import static org.assertj.core.api.Assertions.assertThat;

import io.sagacoord.bench.internal.BenchRunner;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * Runs the benchmark's smoke mode end to end (coordinator and participants in child JVMs, real
 * Postgres and Kafka) and checks only that sagas complete and the result file is written; never a
 * timing.
 */
class BenchSmokeTest {

  @Test
  void smokeModeCompletesSagasAndWritesTheResultWithUnmeasuredKeysNull() throws Exception {
    Path json = BenchMain.run("smoke");

    assertThat(json).exists();
    assertThat(json.resolveSibling("result.md")).exists();
    JsonNode result = JsonMapper.builder().build().readTree(Files.readString(json));
    assertThat(result.get("mode").asString()).isEqualTo("smoke");
    for (String key : BenchRunner.KEYS) {
      assertThat(result.has(key)).as(key).isTrue();
      assertThat(result.get(key).isNull()).as(key).isTrue();
    }
    JsonNode smoke = result.get("smoke");
    long started = smoke.get("started").asLong();
    assertThat(started).isPositive();
    assertThat(smoke.get("start_errors").asLong()).isZero();
    assertThat(smoke.get("not_terminal").asLong()).isZero();
    assertThat(smoke.get("completed").asLong()).isPositive();
    assertThat(smoke.get("compensated").asLong()).isPositive();
    assertThat(smoke.get("completed").asLong() + smoke.get("compensated").asLong())
        .isEqualTo(started);
  }

  @Test
  void smokeModeWithTheParticipantsBehindTheSagaBridgeCompletesAndCompensatesSagas()
      throws Exception {
    System.setProperty("bench.bridged", "true");
    System.setProperty("bench.out", "target/bench-smoke-bridged");
    Path json;
    try {
      json = BenchMain.run("smoke");
    } finally {
      System.clearProperty("bench.bridged");
      System.clearProperty("bench.out");
    }

    JsonNode result = JsonMapper.builder().build().readTree(Files.readString(json));
    assertThat(result.get("participants").asString()).isEqualTo("bridged");
    JsonNode smoke = result.get("smoke");
    long started = smoke.get("started").asLong();
    assertThat(started).isPositive();
    assertThat(smoke.get("start_errors").asLong()).isZero();
    assertThat(smoke.get("not_terminal").asLong()).isZero();
    assertThat(smoke.get("completed").asLong()).isPositive();
    assertThat(smoke.get("compensated").asLong()).isPositive();
    assertThat(smoke.get("completed").asLong() + smoke.get("compensated").asLong())
        .isEqualTo(started);
  }
}
