package io.sagacoord.examples.travel.flight;

import io.sagacoord.examples.travel.common.ReservationService;
import io.sagacoord.examples.travel.trip.TripMessages.CancelFlight;
import io.sagacoord.examples.travel.trip.TripMessages.FlightReserved;
import io.sagacoord.examples.travel.trip.TripMessages.ReserveFlight;
import io.sagacoord.examples.travel.trip.TripSaga;
import java.time.Clock;
import java.util.Map;
import javax.sql.DataSource;

/** The flight service as a saga participant: reserves and cancels seats. */
public final class FlightService {

  private FlightService() {}

  /** Migrates the flight schema into {@code dataSource} and starts the participant. */
  public static ReservationService<ReserveFlight> start(
      Map<String, ?> kafka, DataSource dataSource, Clock clock) {
    FlightBookings bookings = new FlightBookings(clock);
    return ReservationService.start(
        new ReservationService.Spec<>(
            TripSaga.FLIGHTS.name(),
            "classpath:db/flight",
            TripSaga.RESERVE_FLIGHT,
            ReserveFlight.class,
            ReserveFlight::flightId,
            (connection, sagaId, cmd) ->
                bookings.reserve(connection, sagaId, cmd.flightId(), cmd.passenger()),
            FlightReserved::new,
            TripSaga.CANCEL_FLIGHT,
            CancelFlight.class,
            bookings::cancel),
        kafka,
        dataSource,
        clock);
  }
}
