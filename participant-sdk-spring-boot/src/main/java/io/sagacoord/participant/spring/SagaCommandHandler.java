package io.sagacoord.participant.spring;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * Marks a bean method as the forward handler of a command type. The method takes the command record
 * (and optionally a {@link io.sagacoord.participant.CommandContext}, in either order) and returns
 * an {@link io.sagacoord.participant.Outcome}, a reply object (a success), or nothing (a success
 * with body {@code {}}). It runs in the SDK's transaction: {@code JdbcTemplate} and
 * {@code @Transactional} join it.
 *
 * <pre>{@code
 * @SagaCommandHandler("flight.reserve")
 * @Transactional
 * public Outcome<FlightReserved> reserve(ReserveFlight command) { ... }
 * }</pre>
 */
@Target(ElementType.METHOD)
@Retention(RetentionPolicy.RUNTIME)
@Documented
public @interface SagaCommandHandler {
  /** The command type string, for example {@code flight.reserve}. */
  String value();
}
