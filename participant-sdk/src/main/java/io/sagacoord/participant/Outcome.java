package io.sagacoord.participant;

import java.util.Objects;

/**
 * What a handler returns: a success with a reply record, or a business failure with a reason.
 * Technical problems are not outcomes: throw an exception and the SDK rolls back, retries and, if
 * it keeps failing, answers {@code TECHNICAL_FAILURE}.
 *
 * @param <R> the reply record type
 */
public sealed interface Outcome<R> permits Outcome.Success, Outcome.BusinessFailure {

  /** A success whose reply body is the JSON of {@code reply}. */
  static <R> Outcome<R> success(R reply) {
    return new Success<>(Objects.requireNonNull(reply, "reply"));
  }

  /** A success without a reply record; the reply body is {@code {}}. Handy for compensations. */
  static <R> Outcome<R> done() {
    return new Success<>(null);
  }

  /**
   * A business failure: the participant will not do it (no seat left). The handler's database work
   * is rolled back and the answer goes out at once, without retries.
   */
  static <R> Outcome<R> businessFailure(String reason) {
    return new BusinessFailure<>(reason, null);
  }

  /** A business failure with a machine-readable code for the coordinator or an operator. */
  static <R> Outcome<R> businessFailure(String reason, String code) {
    return new BusinessFailure<>(reason, code);
  }

  /** Success; {@code reply} is null for {@link #done()}. */
  record Success<R>(R reply) implements Outcome<R> {}

  /** Business failure; {@code code} may be null. */
  record BusinessFailure<R>(String reason, String code) implements Outcome<R> {
    public BusinessFailure {
      if (reason == null || reason.isBlank()) {
        throw new IllegalArgumentException("reason must not be blank");
      }
    }
  }
}
