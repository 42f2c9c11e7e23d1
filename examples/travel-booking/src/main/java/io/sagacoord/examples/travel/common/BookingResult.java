package io.sagacoord.examples.travel.common;

import java.util.UUID;

/** What a service's booking logic decided: a reservation, or a refusal with a reason. */
public sealed interface BookingResult {

  /** The reservation was made and holds inventory. */
  record Reserved(UUID reservationId) implements BookingResult {}

  /** Nothing was reserved; the reason is meant for people. */
  record Refused(String reason) implements BookingResult {}
}
