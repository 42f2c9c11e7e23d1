package io.sagacoord.examples.travel.hotel;

import io.sagacoord.examples.travel.common.ReservationService;
import io.sagacoord.examples.travel.trip.TripMessages.CancelHotel;
import io.sagacoord.examples.travel.trip.TripMessages.HotelReserved;
import io.sagacoord.examples.travel.trip.TripMessages.ReserveHotel;
import io.sagacoord.examples.travel.trip.TripSaga;
import java.time.Clock;
import java.util.Map;
import javax.sql.DataSource;

/** The hotel service as a saga participant: reserves and cancels rooms per night. */
public final class HotelService {

  private HotelService() {}

  /** Migrates the hotel schema into {@code dataSource} and starts the participant. */
  public static ReservationService<ReserveHotel> start(
      Map<String, ?> kafka, DataSource dataSource, Clock clock) {
    HotelBookings bookings = new HotelBookings(clock);
    return ReservationService.start(
        new ReservationService.Spec<>(
            TripSaga.HOTELS.name(),
            "classpath:db/hotel",
            TripSaga.RESERVE_HOTEL,
            ReserveHotel.class,
            ReserveHotel::hotelId,
            (connection, sagaId, cmd) ->
                bookings.reserve(
                    connection, sagaId, cmd.hotelId(), cmd.checkIn(), cmd.checkOut(), cmd.guest()),
            HotelReserved::new,
            TripSaga.CANCEL_HOTEL,
            CancelHotel.class,
            bookings::cancel),
        kafka,
        dataSource,
        clock);
  }
}
