package io.sagacoord.examples.travel.trip;

import io.sagacoord.examples.travel.common.Jdbc;
import io.sagacoord.examples.travel.common.Misbehaviour;
import io.sagacoord.examples.travel.common.ReservationService;
import io.sagacoord.examples.travel.common.ServiceEnvironment;
import io.sagacoord.examples.travel.trip.TripMessages.ChargePayment;
import io.sagacoord.examples.travel.trip.TripMessages.IssueItinerary;
import io.sagacoord.examples.travel.trip.TripMessages.ItineraryIssued;
import io.sagacoord.examples.travel.trip.TripMessages.PaymentCharged;
import io.sagacoord.participant.Outcome;
import io.sagacoord.participant.Participant;
import java.time.Clock;
import java.util.Map;
import java.util.Objects;
import javax.sql.DataSource;

/**
 * The trip service's part in the saga: charging the customer (the pivot) and issuing the itinerary
 * (retriable, after the pivot). Payments above {@link #CARD_LIMIT_CENTS} are declined, which is how
 * a demo shows a pivot that says no.
 */
public final class BillingParticipant implements AutoCloseable {

  /** Charges above this are declined (a business failure at the pivot). */
  public static final long CARD_LIMIT_CENTS = 1_000_000;

  private final Participant participant;
  private volatile Misbehaviour itineraryMisbehaviour = Misbehaviour.NONE;

  private BillingParticipant(Map<String, ?> kafka, DataSource dataSource, Clock clock) {
    this.participant =
        Participant.builder(TripSaga.TRIPS.name())
            .kafka(kafka)
            .dataSource(dataSource)
            .openTelemetry(ServiceEnvironment.openTelemetry())
            .onCommand(
                TripSaga.CHARGE_PAYMENT,
                ChargePayment.class,
                (ctx, cmd) -> {
                  if (cmd.amountCents() > CARD_LIMIT_CENTS) {
                    return Outcome.businessFailure(
                        "card of "
                            + cmd.customer()
                            + " declined for "
                            + cmd.amountCents()
                            + " cents",
                        "DECLINED");
                  }
                  Jdbc.update(
                      ctx.connection(),
                      "INSERT INTO payment (saga_id, customer, amount_cents, charged_at)"
                          + " VALUES (?, ?, ?, ?)",
                      ctx.sagaId(),
                      cmd.customer(),
                      cmd.amountCents(),
                      clock.instant());
                  return Outcome.success(new PaymentCharged("pay-" + ctx.sagaId()));
                })
            .onCommand(
                TripSaga.ISSUE_ITINERARY,
                IssueItinerary.class,
                (ctx, cmd) -> {
                  if (itineraryMisbehaviour.apply(cmd.customer(), clock) != null) {
                    // a technical failure: the SDK answers TECHNICAL_FAILURE, the saga retries
                    throw new IllegalStateException("itinerary printer is jammed (demo)");
                  }
                  String document =
                      "Itinerary for "
                          + cmd.customer()
                          + ": flight "
                          + cmd.flightReservation()
                          + ", hotel "
                          + cmd.hotelReservation()
                          + (cmd.carReservation() == null ? "" : ", car " + cmd.carReservation());
                  Jdbc.update(
                      ctx.connection(),
                      "INSERT INTO itinerary (saga_id, document, issued_at) VALUES (?, ?, ?)",
                      ctx.sagaId(),
                      document,
                      clock.instant());
                  return Outcome.success(new ItineraryIssued("itin-" + ctx.sagaId()));
                })
            .build();
  }

  /** Migrates the trip schema and starts the participant. */
  public static BillingParticipant start(Map<String, ?> kafka, DataSource dataSource, Clock clock) {
    ReservationService.migrate(dataSource, "classpath:db/trip", TripSaga.TRIPS.name());
    BillingParticipant billing = new BillingParticipant(kafka, dataSource, clock);
    billing.participant.start();
    return billing;
  }

  /** Makes itinerary issuing fail (technically) at the given rate, to show forward retries. */
  public void misbehaveOnItinerary(Misbehaviour misbehaviour) {
    this.itineraryMisbehaviour = Objects.requireNonNull(misbehaviour, "misbehaviour");
  }

  @Override
  public void close() {
    participant.close();
  }
}
