package io.sagacoord.server.internal.console;

import java.time.Duration;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * The operator console at {@code /console}, under the prefix {@code sec.console}. See {@code
 * docs/console.md}.
 *
 * @param enabled serve the console; default true
 * @param sessionTimeout a console session unused for this long ends, and the next page asks to sign
 *     in again; default 30m
 */
@ConfigurationProperties("sec.console")
public record ConsoleProperties(
    @DefaultValue("true") boolean enabled, @DefaultValue("30m") Duration sessionTimeout) {

  public ConsoleProperties {
    if (sessionTimeout == null || sessionTimeout.isNegative() || sessionTimeout.isZero()) {
      throw new IllegalArgumentException("sec.console.session-timeout must be positive");
    }
  }
}
