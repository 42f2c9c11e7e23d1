package io.sagacoord.server.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.boot.context.properties.source.MapConfigurationPropertySource;

class SecPropertiesTest {

  private static SecProperties withInstanceId(String instanceId) {
    return new SecProperties(
        false,
        instanceId,
        kafka(Map.of(), Map.of()),
        new SecProperties.Starts(2000, 500, 2, Duration.ofSeconds(30), 2000),
        new SecProperties.Outbox(Duration.ofSeconds(1), 500, Duration.ofSeconds(10)),
        new SecProperties.Timers(Duration.ofMillis(200), 200, Duration.ofSeconds(30)),
        new SecProperties.Retention(
            Duration.ofDays(30), Duration.ofHours(1), Duration.ofSeconds(10)),
        new SecProperties.Test(null, 1));
  }

  private static SecProperties.Kafka kafka(
      Map<String, String> properties, Map<String, String> consumerProperties) {
    return new SecProperties.Kafka(
        "localhost:9092",
        "replies",
        6,
        (short) 1,
        "g",
        200,
        1024,
        true,
        true,
        "starts",
        true,
        2,
        Duration.ZERO,
        true,
        properties,
        consumerProperties,
        Map.of());
  }

  @Test
  void twoInstancesWithoutAConfiguredIdGetDifferentValidIds() {
    String first = withInstanceId(null).instanceId();
    String second = withInstanceId(" ").instanceId();

    assertThat(first).isNotEqualTo(second).matches("[A-Za-z0-9._-]+");
    assertThat(second).matches("[A-Za-z0-9._-]+");
  }

  @Test
  void aConfiguredIdIsKept() {
    assertThat(withInstanceId("sec-pod-0").instanceId()).isEqualTo("sec-pod-0");
  }

  @Test
  void clientPropertiesThatTheGuaranteesRestOnAreRefusedByName() {
    assertThatThrownBy(() -> kafka(Map.of("enable.auto.commit", "true"), Map.of()))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("sec.kafka.properties must not set enable.auto.commit");
    assertThatThrownBy(() -> kafka(Map.of("transactional.id", "sec"), Map.of()))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("must not set transactional.id");
    assertThatThrownBy(() -> kafka(Map.of(), Map.of("auto.offset.reset", "latest")))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("must not set auto.offset.reset");
    assertThatThrownBy(() -> kafka(Map.of(), Map.of("isolation.level", "read_uncommitted")))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("sec.kafka.consumer-properties must not set isolation.level");
    assertThat(kafka(Map.of("security.protocol", "SSL"), Map.of("fetch.max.wait.ms", "5")))
        .satisfies(k -> assertThat(k.properties()).containsEntry("security.protocol", "SSL"))
        .satisfies(k -> assertThat(k.consumerProperties()).containsEntry("fetch.max.wait.ms", "5"));
  }

  @Test
  void kafkaClientPropertiesBindFromBracketedKeysAndDefaultToNone() {
    SecProperties bound =
        new Binder(
                new MapConfigurationPropertySource(
                    Map.of(
                        "sec.kafka.properties[security.protocol]", "SASL_SSL",
                        "sec.kafka.consumer-properties[fetch.max.wait.ms]", "20")))
            .bindOrCreate("sec", SecProperties.class);

    assertThat(bound.kafka().properties()).isEqualTo(Map.of("security.protocol", "SASL_SSL"));
    assertThat(bound.kafka().consumerProperties()).isEqualTo(Map.of("fetch.max.wait.ms", "20"));
    assertThat(bound.kafka().producerProperties()).isEmpty();
    assertThat(new Binder().bindOrCreate("sec", SecProperties.class).kafka().properties())
        .isEmpty();
  }

  @Test
  void anApiKeyWithoutSagaTypesMayStartEveryTypeAndOneWithAnEmptyListNone() {
    Map<String, String> props = new java.util.HashMap<>();
    String[][] keys = {{"all", null}, {"none", ""}, {"one", "trip"}};
    for (int i = 0; i < keys.length; i++) {
      String prefix = "sec.security.api-keys[" + i + "].";
      props.put(prefix + "name", keys[i][0]);
      props.put(prefix + "sha256", "a".repeat(64));
      props.put(prefix + "roles", "STARTER");
      if (keys[i][1] != null) {
        props.put(prefix + "saga-types", keys[i][1]);
      }
    }
    SecSecurityProperties bound =
        new Binder(new MapConfigurationPropertySource(props))
            .bindOrCreate("sec.security", SecSecurityProperties.class);

    assertThat(bound.apiKeys().get(0).limitsSagaTypes()).isFalse();
    assertThat(bound.apiKeys().get(1).limitsSagaTypes()).isTrue();
    assertThat(bound.apiKeys().get(1).sagaTypes()).isEmpty();
    assertThat(bound.apiKeys().get(2).sagaTypes()).containsExactly("trip");
  }

  @Test
  void jwtDefaultsReadRolesFromTheRolesClaimAndPrefixedScopesAndCheckNoAudience() {
    SecSecurityProperties.Jwt jwt =
        new Binder().bindOrCreate("sec.security", SecSecurityProperties.class).jwt();

    assertThat(jwt.rolesClaim()).isEqualTo("roles");
    assertThat(jwt.scopePrefix()).isEqualTo("sec:");
    assertThat(jwt.audiences()).isEmpty();
    assertThat(jwt.requiredIssuer()).isNull();
    assertThat(
            new SecSecurityProperties.Jwt(
                    "https://idp", null, null, null, null, "roles", "sec:", "saga_types")
                .requiredIssuer())
        .isEqualTo("https://idp");
  }

  @Test
  void throttleSettingsMustBePositive() {
    assertThatThrownBy(() -> new SecSecurityProperties.Throttle(0, Duration.ofMinutes(1), 10))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("sec.security.throttle.max-failures");
    assertThatThrownBy(() -> new SecSecurityProperties.Throttle(5, Duration.ZERO, 10))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("sec.security.throttle.window");
  }
}
