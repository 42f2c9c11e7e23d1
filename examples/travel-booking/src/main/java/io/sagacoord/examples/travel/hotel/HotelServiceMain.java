package io.sagacoord.examples.travel.hotel;

import com.zaxxer.hikari.HikariDataSource;
import io.sagacoord.examples.travel.common.ServiceEnvironment;
import java.time.Clock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** The hotel service as its own process; settings in {@link ServiceEnvironment}. */
public final class HotelServiceMain {

  private static final Logger LOG = LoggerFactory.getLogger(HotelServiceMain.class);

  private HotelServiceMain() {}

  public static void main(String[] args) throws Exception {
    HikariDataSource db = ServiceEnvironment.database("hotel-service");
    var service = HotelService.start(ServiceEnvironment.kafka(), db, Clock.systemUTC());
    LOG.info("hotel-service consuming " + service.participant().commandTopic());
    ServiceEnvironment.runUntilStopped(db, service);
  }
}
