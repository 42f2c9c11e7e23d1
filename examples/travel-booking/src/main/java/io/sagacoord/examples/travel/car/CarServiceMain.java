package io.sagacoord.examples.travel.car;

import com.zaxxer.hikari.HikariDataSource;
import io.sagacoord.examples.travel.common.ServiceEnvironment;
import java.time.Clock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** The car service as its own process; settings in {@link ServiceEnvironment}. */
public final class CarServiceMain {

  private static final Logger LOG = LoggerFactory.getLogger(CarServiceMain.class);

  private CarServiceMain() {}

  public static void main(String[] args) throws Exception {
    HikariDataSource db = ServiceEnvironment.database("car-service");
    var service = CarService.start(ServiceEnvironment.kafka(), db, Clock.systemUTC());
    LOG.info("car-service consuming " + service.participant().commandTopic());
    ServiceEnvironment.runUntilStopped(db, service);
  }
}
