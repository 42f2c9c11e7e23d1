package io.sagacoord.server;

import static org.assertj.core.api.Assertions.assertThat;

import io.sagacoord.server.internal.security.ApiKeys;
import io.sagacoord.server.support.RawHttp;
import io.sagacoord.server.support.RunningCoordinator;
import io.sagacoord.server.support.TestClock;
import io.sagacoord.testkit.KafkaInfra;
import io.sagacoord.testkit.SagaInfra;
import io.sagacoord.testkit.TestDatabase;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.springframework.jdbc.core.simple.JdbcClient;

/**
 * Failed credential attempts are throttled per remote address (three per minute here), on a
 * coordinator whose clock the test moves. Two loopback addresses stand for two callers.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class CredentialThrottleIntegrationTest {

  private static final String ATTACKER = "127.0.0.1";
  private static final String ELSEWHERE = "127.0.0.2";
  private static final String VIEWER = "throttle-viewer-key";
  private static final String OPERATOR = "throttle-operator-key";

  private final TestClock clock = new TestClock(Instant.parse("2030-01-01T00:00:00Z"));
  private TestDatabase db;
  private RunningCoordinator sec;

  @BeforeAll
  void start() {
    KafkaInfra kafka = SagaInfra.kafka();
    db = SagaInfra.postgres().newDatabase("sec_throttle");
    Map<String, Object> props = new HashMap<>();
    props.put("sec.security.api-keys[0].name", "viewer");
    props.put("sec.security.api-keys[0].sha256", ApiKeys.sha256Hex(VIEWER));
    props.put("sec.security.api-keys[0].roles", "VIEWER");
    props.put("sec.security.api-keys[1].name", "operator");
    props.put("sec.security.api-keys[1].sha256", ApiKeys.sha256Hex(OPERATOR));
    props.put("sec.security.api-keys[1].roles", "OPERATOR");
    props.put("sec.security.throttle.max-failures", "3");
    props.put("sec.security.throttle.window", "1m");
    sec =
        RunningCoordinator.start(
            db,
            kafka,
            kafka.uniqueTopic("throttle-replies"),
            props,
            List.of(),
            Map.of("clock", clock));
  }

  @AfterAll
  void stop() {
    if (sec != null) {
      sec.close();
    }
    if (db != null) {
      db.close();
    }
  }

  @Test
  void anAddressWithTooManyFailuresGets429UntilItsWindowEndsWhileWorkingCallersGoOn()
      throws Exception {
    assertThat(get(ATTACKER, VIEWER).status()).isEqualTo(200);
    for (int i = 0; i < 3; i++) {
      assertThat(get(ATTACKER, "guess-" + i).status()).isEqualTo(401);
    }

    clock.advance(Duration.ofSeconds(20));
    RawHttp.Answer throttled = get(ATTACKER, "guess-3");
    RawHttp.Answer bearer =
        RawHttp.send(
            ATTACKER,
            sec.port(),
            "GET /api/stats HTTP/1.1\r\nHost: localhost\r\nConnection: close"
                + "\r\nAuthorization: Bearer not-a-jwt",
            new byte[0]);
    // a valid key never used from here is not even checked: guesses learn nothing
    RawHttp.Answer unknownValid = get(ATTACKER, OPERATOR);
    RawHttp.Answer working = get(ATTACKER, VIEWER);
    RawHttp.Answer elsewhereWrong = get(ELSEWHERE, "guess-4");
    RawHttp.Answer elsewhereValid = get(ELSEWHERE, OPERATOR);
    RawHttp.Answer health =
        RawHttp.get(ATTACKER, sec.port(), "/actuator/health", "stale-probe-key");

    assertThat(throttled.status()).as(throttled.head()).isEqualTo(429);
    assertThat(throttled.header("Retry-After")).isEqualTo("40");
    assertThat(throttled.header("Content-Type")).contains("application/problem+json");
    assertThat(bearer.status()).isEqualTo(429);
    assertThat(unknownValid.status()).isEqualTo(429);
    assertThat(working.status()).isEqualTo(200);
    assertThat(elsewhereWrong.status()).isEqualTo(401);
    assertThat(elsewhereValid.status()).isEqualTo(200);
    assertThat(health.status()).isEqualTo(200);

    clock.advance(Duration.ofSeconds(40));
    assertThat(get(ATTACKER, OPERATOR).status()).isEqualTo(200);
    assertThat(get(ATTACKER, "guess-5").status()).isEqualTo(401);
    assertThat(
            JdbcClient.create(db.dataSource())
                .sql(
                    "SELECT (SELECT count(*) FROM saga_instance)"
                        + " + (SELECT count(*) FROM saga_operator_audit)")
                .query(Long.class)
                .single())
        .isZero();
  }

  private RawHttp.Answer get(String from, String key) throws Exception {
    return RawHttp.get(from, sec.port(), "/api/stats", key);
  }
}
