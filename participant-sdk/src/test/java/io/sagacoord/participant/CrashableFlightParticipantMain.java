package io.sagacoord.participant;

import io.sagacoord.participant.flight.CancelFlight;
import io.sagacoord.participant.flight.FlightService;
import io.sagacoord.participant.flight.ReserveFlight;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import org.postgresql.ds.PGSimpleDataSource;

/**
 * The flight participant as its own process, for the crash test. Args: jdbcUrl user password
 * bootstrapServers commandTopic deadLetterTopic registryTopic groupId.
 */
public final class CrashableFlightParticipantMain {
  public static final String READY = "FLIGHT PARTICIPANT READY";

  public static void main(String[] args) throws Exception {
    PGSimpleDataSource dataSource = new PGSimpleDataSource();
    dataSource.setUrl(args[0]);
    dataSource.setUser(args[1]);
    dataSource.setPassword(args[2]);
    FlightService flights = new FlightService();
    Participant participant =
        Participant.builder("flight-service")
            // static membership: the restarted process takes the crashed one's partitions at
            // once instead of after the group's session timeout
            .kafka(Map.of("bootstrap.servers", args[3], "group.instance.id", "flight-1"))
            .dataSource(dataSource)
            .commandTopic(args[4])
            .deadLetterTopic(args[5])
            .registryTopic(args[6])
            .groupId(args[7])
            .pollTimeout(Duration.ofMillis(100))
            .onCommand(FlightService.RESERVE, ReserveFlight.class, flights::reserve)
            .onCompensation(FlightService.CANCEL, CancelFlight.class, flights::cancel)
            .build();
    participant.start();
    System.out.println(READY);
    System.out.flush();
    new CountDownLatch(1).await();
  }
}
