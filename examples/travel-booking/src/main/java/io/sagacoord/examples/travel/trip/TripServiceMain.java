package io.sagacoord.examples.travel.trip;

import com.zaxxer.hikari.HikariDataSource;
import io.sagacoord.client.SagaClient;
import io.sagacoord.client.SagaClientOptions;
import io.sagacoord.examples.travel.common.ServiceEnvironment;
import java.net.InetSocketAddress;
import java.net.URI;
import java.time.Clock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import tools.jackson.databind.json.JsonMapper;

/**
 * The trip service as its own process: the trip API ({@code PORT}, default 8081) and its billing
 * participant. Also reads {@code COORDINATOR_URL} (default {@code http://localhost:8080}) and
 * {@code SEC_API_KEY} (its starter key, if the coordinator needs one) and {@code BIND_ADDRESS}
 * (default 0.0.0.0).
 */
public final class TripServiceMain {

  private static final Logger LOG = LoggerFactory.getLogger(TripServiceMain.class);

  private TripServiceMain() {}

  public static void main(String[] args) throws Exception {
    HikariDataSource db = ServiceEnvironment.database("trip-service");
    BillingParticipant billing =
        BillingParticipant.start(ServiceEnvironment.kafka(), db, Clock.systemUTC());
    var json = JsonMapper.builder().build();
    SagaClientOptions.Builder options =
        SagaClientOptions.newBuilder(
                URI.create(ServiceEnvironment.optional("COORDINATOR_URL", "http://localhost:8080")))
            .jsonMapper(json);
    String apiKey = ServiceEnvironment.optional("SEC_API_KEY", null);
    if (apiKey != null) {
      options.apiKey(apiKey);
    }
    SagaClient coordinator = SagaClient.create(options.build());
    TripApi api =
        TripApi.start(
            new InetSocketAddress(
                ServiceEnvironment.optional("BIND_ADDRESS", "0.0.0.0"),
                Integer.parseInt(ServiceEnvironment.optional("PORT", "8081"))),
            db,
            coordinator,
            json,
            Clock.systemUTC());
    LOG.info("trip-service: trip API on http://localhost:" + api.port() + "/trips");
    ServiceEnvironment.runUntilStopped(db, billing, api);
  }
}
