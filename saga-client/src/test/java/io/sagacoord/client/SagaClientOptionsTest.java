package io.sagacoord.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.URI;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;

class SagaClientOptionsTest {

  private static final URI BASE = URI.create("http://localhost:8080/");

  @Test
  void defaultsApplyAndTheTrailingSlashOfTheBaseUriIsDropped() {
    SagaClientOptions options = SagaClientOptions.newBuilder(BASE).build();

    assertThat(options.baseUri()).isEqualTo(URI.create("http://localhost:8080"));
    assertThat(options.connectTimeout()).isEqualTo(Duration.ofSeconds(5));
    assertThat(options.requestTimeout()).isEqualTo(Duration.ofSeconds(30));
    assertThat(options.apiKey()).isNull();
    assertThat(options.bearerToken()).isNull();
  }

  @Test
  void toBuilderCopiesEverySettingAndLeavesTheOriginalAlone() {
    SagaClientOptions first =
        SagaClientOptions.newBuilder(BASE)
            .apiKey("k")
            .requestTimeout(Duration.ofSeconds(3))
            .build();

    SagaClientOptions second = first.toBuilder().connectTimeout(Duration.ofSeconds(1)).build();

    assertThat(second.apiKey()).isEqualTo("k");
    assertThat(second.requestTimeout()).isEqualTo(Duration.ofSeconds(3));
    assertThat(second.connectTimeout()).isEqualTo(Duration.ofSeconds(1));
    assertThat(first.connectTimeout()).isEqualTo(Duration.ofSeconds(5));
  }

  @Test
  void eachSettingIsCheckedAtOnceNamingTheField() {
    SagaClientOptions.Builder b = SagaClientOptions.newBuilder(BASE);

    assertThatThrownBy(() -> b.apiKey(" ")).hasMessageContaining("apiKey");
    assertThatThrownBy(() -> b.requestTimeout(Duration.ZERO))
        .hasMessageContaining("requestTimeout");
    assertThatThrownBy(() -> b.connectTimeout(Duration.ofSeconds(-1)))
        .hasMessageContaining("connectTimeout");
    assertThatThrownBy(() -> SagaClientOptions.newBuilder(URI.create("ftp://host")))
        .hasMessageContaining("baseUri");
  }

  @Test
  void refusesAnApiKeyAndABearerTokenTogether() {
    SagaClientOptions.Builder b = SagaClientOptions.newBuilder(BASE).apiKey("k").bearerToken("t");

    assertThatThrownBy(b::build).isInstanceOf(IllegalStateException.class);
  }

  @Test
  void toStringKeepsCredentialsOut() {
    assertThat(SagaClientOptions.newBuilder(BASE).apiKey("secret-key").build().toString())
        .doesNotContain("secret-key")
        .contains("api-key");
  }

  @Test
  void aQueryIsImmutableAndNamesItsParameters() {
    SagaQuery all = SagaQuery.all();
    SagaQuery failed =
        all.withStatus("FAILED", "PARKED")
            .withType("trip")
            .createdBetween(Instant.parse("2030-01-01T00:00:00Z"), null)
            .withLimit(10)
            .oldestFirst();

    assertThat(all.parameters()).isEmpty();
    assertThat(failed.parameters())
        .containsEntry("status", "FAILED,PARKED")
        .containsEntry("type", "trip")
        .containsEntry("createdFrom", "2030-01-01T00:00:00Z")
        .containsEntry("limit", "10")
        .containsEntry("sort", "createdAt")
        .doesNotContainKey("createdTo");
    assertThat(failed.withCursor("c1").withCursor(null)).isEqualTo(failed);
    assertThatThrownBy(() -> all.withLimit(501)).hasMessageContaining("limit");
    assertThatThrownBy(() -> all.withType(" ")).hasMessageContaining("type");
  }
}
