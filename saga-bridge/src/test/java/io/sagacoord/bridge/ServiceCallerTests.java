package io.sagacoord.bridge;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import io.sagacoord.participant.CommandContext;
import io.sagacoord.participant.RetryLater;
import io.sagacoord.protocol.Phase;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.ObjectMapper;
import tools.jackson.databind.json.JsonMapper;

/**
 * One call per run of the handler: a failure worth another call hands the command back to the SDK
 * with the pause ({@link RetryLater}) instead of waiting on the thread; the last one is a technical
 * failure.
 */
class ServiceCallerTests {
  private static final Instant NOW = Instant.parse("2027-03-01T10:00:00Z");

  private final ObjectMapper json = JsonMapper.builder().build();
  private final Clock clock = Clock.fixed(NOW, ZoneOffset.UTC);
  private ScriptedService service;

  @AfterEach
  void tearDown() throws Exception {
    if (service != null) {
      service.close();
    }
  }

  private ServiceCaller caller(int maxCalls) {
    BridgeConfig config =
        new BridgeConfig(
            "car-service",
            service.baseUrl(),
            null,
            Map.of("bootstrap.servers", "unused:9092"),
            "jdbc:postgresql://unused/db",
            "u",
            "",
            List.of("car.reserve"),
            List.of(),
            Map.of(),
            new BridgeConfig.Http(
                Duration.ofSeconds(1),
                Duration.ofSeconds(5),
                1024,
                maxCalls,
                Duration.ofMillis(200),
                Duration.ofSeconds(5),
                Duration.ofSeconds(30),
                Set.of(409, 422)),
            null,
            Duration.ofSeconds(30));
    return new ServiceCaller(config, json, clock, new BridgeMetrics());
  }

  private static CommandContext context(UUID saga, String commandId) {
    return new CommandContext(
        saga,
        "trip-booking",
        "reserve-car",
        Phase.FORWARD,
        1,
        commandId,
        "car.reserve",
        Optional.empty(),
        null);
  }

  private JsonNode payload() {
    return json.readTree("{\"location\":\"ZRH\"}");
  }

  @Test
  void aRetryAfterInSecondsIsThePauseBeforeTheNextCall() throws Exception {
    service = ScriptedService.start(call -> ScriptedService.unavailable("7"));
    ServiceCaller caller = caller(4);

    RetryLater later =
        catchThrowableOfType(
            RetryLater.class, () -> caller.call(context(UUID.randomUUID(), "c-1"), payload()));

    assertThat(later.delay()).isEqualTo(Duration.ofSeconds(7));
    assertThat(later.getMessage()).contains("HTTP 503");
    assertThat(service.calls()).hasSize(1);
  }

  @Test
  void aRetryAfterDateCountsFromTheClockAndALongOneIsCapped() throws Exception {
    String in12s =
        DateTimeFormatter.RFC_1123_DATE_TIME.format(
            ZonedDateTime.ofInstant(NOW.plusSeconds(12), ZoneOffset.UTC));
    service = ScriptedService.start(call -> ScriptedService.unavailable(in12s));
    RetryLater dated =
        catchThrowableOfType(
            RetryLater.class, () -> caller(4).call(context(UUID.randomUUID(), "c-1"), payload()));
    service.close();
    service = ScriptedService.start(call -> ScriptedService.unavailable("3600"));
    RetryLater capped =
        catchThrowableOfType(
            RetryLater.class, () -> caller(4).call(context(UUID.randomUUID(), "c-2"), payload()));

    assertThat(dated.delay()).isEqualTo(Duration.ofSeconds(12));
    assertThat(capped.delay()).isEqualTo(Duration.ofSeconds(30));
  }

  @Test
  void withoutRetryAfterThePauseIsTheBackOffWithJitterAndTheLastCallIsATechnicalFailure()
      throws Exception {
    service = ScriptedService.start(call -> ScriptedService.json(500, "{}"));
    ServiceCaller caller = caller(3);
    CommandContext command = context(UUID.randomUUID(), "c-1");

    RetryLater first =
        catchThrowableOfType(RetryLater.class, () -> caller.call(command, payload()));
    RetryLater second =
        catchThrowableOfType(RetryLater.class, () -> caller.call(command, payload()));
    ServiceCallException last =
        catchThrowableOfType(ServiceCallException.class, () -> caller.call(command, payload()));

    assertThat(first.delay()).isBetween(Duration.ofMillis(100), Duration.ofMillis(200));
    assertThat(second.delay()).isBetween(Duration.ofMillis(200), Duration.ofMillis(400));
    assertThat(last.getMessage()).contains("HTTP 500", "3 calls");
    assertThat(service.calls()).hasSize(3);
    // the count starts anew for the next command
    assertThat(
            catchThrowableOfType(
                RetryLater.class, () -> caller.call(context(UUID.randomUUID(), "c-2"), payload())))
        .isNotNull();
  }
}
