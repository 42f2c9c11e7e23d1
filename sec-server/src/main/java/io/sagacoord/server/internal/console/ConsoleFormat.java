package io.sagacoord.server.internal.console;

import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import tools.jackson.databind.JsonNode;

/** How the console's pages write times, durations and JSON (templates call it as {@code fmt}). */
public final class ConsoleFormat {

  private static final DateTimeFormatter TIME =
      DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss.SSS'Z'").withZone(ZoneOffset.UTC);

  private final Instant now;

  ConsoleFormat(Instant now) {
    this.now = now;
  }

  /** An instant in UTC with milliseconds, or a dash. */
  public String time(Instant t) {
    return t == null ? "\u2014" : TIME.format(t);
  }

  /** How long ago, e.g. {@code 3.2 s ago}. */
  public String ago(Instant t) {
    return t == null
        ? ""
        : Svg.human(Duration.between(t, now).abs()) + (t.isAfter(now) ? " from now" : " ago");
  }

  /** A count with thousands separated by commas, e.g. {@code 85,300}. */
  public String count(long n) {
    return String.format(java.util.Locale.ROOT, "%,d", n);
  }

  public String duration(Duration d) {
    return d == null ? "\u2014" : Svg.human(d);
  }

  /** JSON indented for reading. */
  public String json(JsonNode node) {
    return node == null || node.isNull() ? "" : node.toPrettyString();
  }

  /** The lower-case CSS class of a status. */
  public String css(String status) {
    return status == null ? "" : "status-" + status.toLowerCase(java.util.Locale.ROOT);
  }
}
