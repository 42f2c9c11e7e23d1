package io.sagacoord.examples.travel.flight;

import com.zaxxer.hikari.HikariDataSource;
import io.sagacoord.examples.travel.common.ServiceEnvironment;
import java.time.Clock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** The flight service as its own process; settings in {@link ServiceEnvironment}. */
public final class FlightServiceMain {

  private static final Logger LOG = LoggerFactory.getLogger(FlightServiceMain.class);

  private FlightServiceMain() {}

  public static void main(String[] args) throws Exception {
    HikariDataSource db = ServiceEnvironment.database("flight-service");
    var service = FlightService.start(ServiceEnvironment.kafka(), db, Clock.systemUTC());
    LOG.info("flight-service consuming " + service.participant().commandTopic());
    ServiceEnvironment.runUntilStopped(db, service);
  }
}
