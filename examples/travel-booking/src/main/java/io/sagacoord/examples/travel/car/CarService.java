package io.sagacoord.examples.travel.car;

import io.sagacoord.examples.travel.common.ReservationService;
import io.sagacoord.examples.travel.trip.TripMessages.CancelCar;
import io.sagacoord.examples.travel.trip.TripMessages.CarReserved;
import io.sagacoord.examples.travel.trip.TripMessages.ReserveCar;
import io.sagacoord.examples.travel.trip.TripSaga;
import java.time.Clock;
import java.util.Map;
import javax.sql.DataSource;

/** The car service as a saga participant: reserves and cancels cars per location and day. */
public final class CarService {

  private CarService() {}

  /** Migrates the car schema into {@code dataSource} and starts the participant. */
  public static ReservationService<ReserveCar> start(
      Map<String, ?> kafka, DataSource dataSource, Clock clock) {
    CarBookings bookings = new CarBookings(clock);
    return ReservationService.start(
        new ReservationService.Spec<>(
            TripSaga.CARS.name(),
            "classpath:db/car",
            TripSaga.RESERVE_CAR,
            ReserveCar.class,
            ReserveCar::location,
            (connection, sagaId, cmd) ->
                bookings.reserve(
                    connection, sagaId, cmd.location(), cmd.pickUp(), cmd.dropOff(), cmd.driver()),
            CarReserved::new,
            TripSaga.CANCEL_CAR,
            CancelCar.class,
            bookings::cancel),
        kafka,
        dataSource,
        clock);
  }
}
