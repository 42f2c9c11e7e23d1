package io.sagacoord.participant.spring;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * Marks a bean method as the compensation handler of a command type; same method shapes as {@link
 * SagaCommandHandler}.
 */
@Target(ElementType.METHOD)
@Retention(RetentionPolicy.RUNTIME)
@Documented
public @interface SagaCompensationHandler {
  /** The compensation command type string, for example {@code flight.cancel}. */
  String value();
}
