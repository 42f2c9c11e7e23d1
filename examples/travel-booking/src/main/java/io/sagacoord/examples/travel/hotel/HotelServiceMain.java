package io.sagacoord.examples.travel.hotel;

import com.zaxxer.hikari.HikariDataSource;
import io.sagacoord.examples.travel.common.ServiceEnvironment;
import java.time.Clock;

/** The hotel service as its own process; settings in {@link ServiceEnvironment}. */
public final class HotelServiceMain {

  private HotelServiceMain() {}

  public static void main(String[] args) throws Exception {
    HikariDataSource db = ServiceEnvironment.database("hotel-service");
    var service = HotelService.start(ServiceEnvironment.kafka(), db, Clock.systemUTC());
    System.out.println("hotel-service consuming " + service.participant().commandTopic());
    ServiceEnvironment.runUntilStopped(db, service);
  }
}
