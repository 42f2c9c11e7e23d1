package io.sagacoord.server.internal.console;

import io.sagacoord.server.internal.query.SagaQueries.TimelineEntry;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * A saga's timeline as a Gantt-like SVG: a lane for the saga as a whole, one lane per step for its
 * forward attempts (each attempt a bar coloured by its outcome, a retry's back-off a dashed line, a
 * timeout a marker), a lane per compensated step for its compensation attempts, and a lane for
 * operator actions from the audit. Time runs left to right from the saga's first log entry.
 */
final class TimelineSvg {

  static final int WIDTH = 980;
  private static final int LABEL = 190;
  private static final int RIGHT = 20;
  private static final int TOP = 34;
  private static final int LANE = 30;

  /** What a bar or marker means; the CSS class and the colour follow from it. */
  enum Outcome {
    SUCCEEDED("#2e7d32"),
    FAILED("#c62828"),
    TIMED_OUT("#ef6c00"),
    RETRIED("#8d6e00"),
    COMPENSATED("#6a1b9a"),
    OPEN("#1565c0");

    final String colour;

    Outcome(String colour) {
      this.colour = colour;
    }

    String css() {
      return name().toLowerCase(Locale.ROOT).replace('_', '-');
    }
  }

  private record Lane(String key, String label, String kind, String step) {}

  private static final class Bar {
    final String lane;
    final String step;
    final boolean compensation;
    final Integer attempt;
    final Instant start;
    Instant end;
    Outcome outcome = Outcome.OPEN;
    String note = "";

    Bar(String lane, String step, boolean compensation, Integer attempt, Instant start) {
      this.lane = lane;
      this.step = step;
      this.compensation = compensation;
      this.attempt = attempt;
      this.start = start;
    }
  }

  private record Marker(String lane, Instant at, String css, String label, String tooltip) {}

  private record Wait(String lane, Instant from, Instant to, String tooltip) {}

  private TimelineSvg() {}

  /**
   * @param entries the timeline as the REST API returns it, oldest first
   * @param steps the saga's steps in definition order
   * @param openUntil where bars still waiting for an answer end (now for an active saga)
   */
  static String render(List<TimelineEntry> entries, List<String> steps, Instant openUntil) {
    Set<String> compensated = new LinkedHashSet<>();
    boolean operator = false;
    for (TimelineEntry e : entries) {
      if (e.step() != null && isCompensation(e.phase())) {
        compensated.add(e.step());
      }
      operator |= e.source().equals("audit");
    }
    Map<String, Lane> lanes = new LinkedHashMap<>();
    lanes.put("saga", new Lane("saga", "saga", "saga", null));
    List<String> ordered = new ArrayList<>(steps);
    for (TimelineEntry e : entries) {
      if (e.step() != null && !ordered.contains(e.step())) {
        ordered.add(e.step());
      }
    }
    for (String step : ordered) {
      lanes.put("f:" + step, new Lane("f:" + step, step, "forward", step));
      if (compensated.contains(step)) {
        lanes.put(
            "c:" + step,
            new Lane("c:" + step, step + " \u21a9 compensation", "compensation", step));
      }
    }
    if (operator) {
      lanes.put("operator", new Lane("operator", "operator actions", "operator", null));
    }

    List<Bar> bars = new ArrayList<>();
    Map<String, Bar> open = new HashMap<>();
    List<Marker> markers = new ArrayList<>();
    List<Wait> waits = new ArrayList<>();
    Instant first = entries.isEmpty() ? openUntil : entries.get(0).occurredAt();
    Instant last = first;
    for (TimelineEntry e : entries) {
      Instant at = e.occurredAt();
      if (at.isAfter(last)) {
        last = at;
      }
      if (e.source().equals("audit")) {
        markers.add(
            new Marker(
                "operator",
                at,
                "operator-action",
                e.type(),
                e.type()
                    + " by "
                    + e.actor()
                    + " ("
                    + e.outcome()
                    + "): "
                    + e.reason()
                    + " at "
                    + at));
        continue;
      }
      String type = e.type() == null ? "" : e.type();
      boolean comp = isCompensation(e.phase());
      String lane = e.step() == null ? "saga" : (comp ? "c:" : "f:") + e.step();
      String key = e.step() + "|" + comp + "|" + e.attempt();
      switch (type) {
        case "COMMAND_SENT" -> {
          Bar bar = new Bar(lane, e.step(), comp, e.attempt(), at);
          bars.add(bar);
          open.put(key, bar);
        }
        case "STEP_SUCCEEDED",
            "STEP_FAILED",
            "STEP_TIMED_OUT",
            "ATTEMPT_TIMED_OUT",
            "RETRY_SCHEDULED",
            "STEP_COMPENSATED",
            "STEP_COMPENSATION_FAILED" -> {
          Bar bar = open.remove(key);
          if (bar == null) {
            bar = lastOpen(open, e.step(), comp);
          }
          Outcome outcome = outcome(type, comp);
          if (bar != null) {
            bar.end = at;
            bar.outcome = outcome;
            bar.note = type;
          }
          if (type.equals("ATTEMPT_TIMED_OUT") || type.equals("STEP_TIMED_OUT")) {
            markers.add(
                new Marker(lane, at, "timeout", "timeout", e.step() + ": " + type + " at " + at));
          }
          if (type.equals("RETRY_SCHEDULED") && e.detail() != null) {
            String due = e.detail().path("dueAt").asString("");
            try {
              Instant dueAt = Instant.parse(due);
              waits.add(
                  new Wait(
                      lane,
                      at,
                      dueAt,
                      e.step()
                          + ": retry "
                          + e.detail().path("nextAttempt").asString("")
                          + " after "
                          + Svg.human(Duration.between(at, dueAt))
                          + " ("
                          + e.detail().path("error").asString("")
                          + ")"));
              if (dueAt.isAfter(last)) {
                last = dueAt;
              }
            } catch (RuntimeException ignored) {
              // a retry without a parsable due time is shown by its bar alone
            }
          }
        }
        case "DEFINITION_CODE_FAILED" -> {
          // definition code threw on the reply of an attempt: that attempt ends failed
          Bar bar = e.step() == null ? null : lastOpen(open, e.step(), comp);
          if (bar != null) {
            bar.end = at;
            bar.outcome = Outcome.FAILED;
            bar.note = type;
          }
          markers.add(new Marker("saga", at, "saga-failed", "code failed", type + " at " + at));
        }
        case "STEP_SKIPPED" ->
            markers.add(new Marker(lane, at, "skipped", "skipped", e.step() + " skipped at " + at));
        default -> {
          if (e.step() == null && !type.equals("EVENT_APPLIED") && !type.startsWith("OPERATOR_")) {
            markers.add(new Marker("saga", at, sagaCss(type), shortName(type), type + " at " + at));
          }
        }
      }
    }
    for (Bar bar : bars) {
      if (bar.end == null) {
        bar.end = openUntil.isAfter(bar.start) ? openUntil : bar.start;
        bar.note = "waiting for a reply";
        if (bar.end.isAfter(last)) {
          last = bar.end;
        }
      }
    }
    long spanMillis = Math.max(1, Duration.between(first, last).toMillis());
    double plot = WIDTH - LABEL - RIGHT;
    int height = TOP + lanes.size() * LANE + 10;
    Svg svg =
        new Svg(
            "timeline",
            WIDTH,
            height,
            "Timeline of the saga",
            bars.size()
                + " command attempts in "
                + ordered.size()
                + " steps over "
                + Svg.human(Duration.ofMillis(spanMillis))
                + (compensated.isEmpty()
                    ? ""
                    : "; compensation lanes for " + String.join(", ", compensated))
                + (operator ? "; operator actions shown" : "")
                + ". The log table below lists every entry.");

    // time axis
    svg.open("g", "class", "axis");
    for (int i = 0; i <= 5; i++) {
      double x = LABEL + plot * i / 5;
      svg.shape(
          "line",
          null,
          "x1",
          Svg.num(x),
          "y1",
          Integer.toString(TOP - 6),
          "x2",
          Svg.num(x),
          "y2",
          Integer.toString(height - 10),
          "stroke",
          "#d0d0d0");
      svg.text(
          "+" + Svg.human(Duration.ofMillis(spanMillis * i / 5)),
          "x",
          Svg.num(x),
          "y",
          Integer.toString(TOP - 12),
          "text-anchor",
          i == 0 ? "start" : i == 5 ? "end" : "middle",
          "fill",
          "#333");
    }
    svg.close("g");

    Map<String, Integer> row = new HashMap<>();
    int r = 0;
    for (Lane lane : lanes.values()) {
      int y = TOP + r * LANE;
      row.put(lane.key(), y);
      svg.open(
          "g",
          "class",
          "lane lane-" + lane.kind(),
          "data-lane",
          lane.label(),
          "data-step",
          lane.step());
      svg.shape(
          "rect",
          null,
          "x",
          "0",
          "y",
          Integer.toString(y),
          "width",
          Integer.toString(WIDTH),
          "height",
          Integer.toString(LANE),
          "fill",
          r % 2 == 0 ? "#f7f7f7" : "#ffffff");
      svg.text(
          Svg.fit(lane.label(), 28),
          "x",
          "6",
          "y",
          Integer.toString(y + 19),
          "fill",
          lane.kind().equals("compensation") ? "#4a148c" : "#222",
          "font-weight",
          lane.kind().equals("forward") ? "bold" : null);
      svg.close("g");
      r++;
    }

    for (Wait w : waits) {
      Integer y = row.get(w.lane());
      if (y == null) {
        continue;
      }
      double x1 = x(first, w.from(), spanMillis, plot);
      double x2 = x(first, w.to(), spanMillis, plot);
      svg.shape(
          "line",
          w.tooltip(),
          "class",
          "retry-wait",
          "x1",
          Svg.num(x1),
          "y1",
          Integer.toString(y + LANE / 2),
          "x2",
          Svg.num(Math.max(x2, x1 + 2)),
          "y2",
          Integer.toString(y + LANE / 2),
          "stroke",
          Outcome.RETRIED.colour,
          "stroke-width",
          "2",
          "stroke-dasharray",
          "4 3");
    }
    for (Bar bar : bars) {
      Integer y = row.get(bar.lane);
      if (y == null) {
        continue;
      }
      double x1 = x(first, bar.start, spanMillis, plot);
      double x2 = x(first, bar.end, spanMillis, plot);
      String what = bar.compensation ? "compensation" : "forward";
      svg.shape(
          "rect",
          bar.step
              + " "
              + what
              + " attempt "
              + bar.attempt
              + ": "
              + bar.outcome.css()
              + " after "
              + Svg.human(Duration.between(bar.start, bar.end))
              + " ("
              + bar.note
              + "), sent at "
              + bar.start,
          "class",
          "bar " + what + " " + bar.outcome.css(),
          "data-attempt",
          bar.attempt == null ? null : bar.attempt.toString(),
          "x",
          Svg.num(x1),
          "y",
          Integer.toString(y + 7),
          "width",
          Svg.num(Math.max(4, x2 - x1)),
          "height",
          Integer.toString(LANE - 14),
          "rx",
          "3",
          "fill",
          bar.outcome.colour,
          "fill-opacity",
          bar.compensation ? "0.75" : "0.9");
    }
    Map<String, Double> labelEnd = new HashMap<>();
    for (Marker m : markers) {
      Integer y = row.get(m.lane());
      if (y == null) {
        continue;
      }
      double x = x(first, m.at(), spanMillis, plot);
      int cy = y + LANE / 2;
      String colour =
          switch (m.css()) {
            case "timeout" -> Outcome.TIMED_OUT.colour;
            case "operator-action" -> "#00695c";
            case "saga-failed" -> Outcome.FAILED.colour;
            case "saga-compensation" -> Outcome.COMPENSATED.colour;
            case "saga-completed" -> Outcome.SUCCEEDED.colour;
            default -> "#455a64";
          };
      svg.shape(
          "path",
          m.tooltip(),
          "class",
          "marker " + m.css(),
          "d",
          "M" + Svg.num(x) + " " + (cy - 7) + " l6 7 l-6 7 l-6 -7 z",
          "fill",
          colour,
          "stroke",
          "#fff");
      // a label only where it does not run into the previous one of its lane
      boolean labelled = m.lane().equals("operator") || m.lane().equals("saga");
      if (labelled && x + 8 >= labelEnd.getOrDefault(m.lane(), 0.0)) {
        labelEnd.put(m.lane(), x + 8 + 6 * Math.min(22, m.label().length()) + 6);
        svg.text(
            Svg.fit(m.label(), 22),
            "x",
            Svg.num(Math.min(x + 8, WIDTH - 60)),
            "y",
            Integer.toString(cy + 4),
            "fill",
            "#222",
            "font-size",
            "10");
      }
    }
    return svg.end();
  }

  private static Bar lastOpen(Map<String, Bar> open, String step, boolean comp) {
    Bar found = null;
    for (Bar b : open.values()) {
      if (b.step.equals(step) && b.compensation == comp) {
        if (found == null || b.start.isAfter(found.start)) {
          found = b;
        }
      }
    }
    if (found != null) {
      open.values().remove(found);
    }
    return found;
  }

  private static double x(Instant first, Instant at, long spanMillis, double plot) {
    double f = Math.max(0, Duration.between(first, at).toMillis()) / (double) spanMillis;
    return LABEL + Math.min(1, f) * plot;
  }

  static boolean isCompensation(String phase) {
    return phase != null && phase.toLowerCase(Locale.ROOT).startsWith("comp");
  }

  private static Outcome outcome(String type, boolean comp) {
    return switch (type) {
      case "STEP_SUCCEEDED" -> Outcome.SUCCEEDED;
      case "STEP_COMPENSATED" -> Outcome.COMPENSATED;
      case "STEP_FAILED", "STEP_COMPENSATION_FAILED" -> Outcome.FAILED;
      case "ATTEMPT_TIMED_OUT", "STEP_TIMED_OUT" -> Outcome.TIMED_OUT;
      case "RETRY_SCHEDULED" -> Outcome.RETRIED;
      default -> comp ? Outcome.COMPENSATED : Outcome.OPEN;
    };
  }

  private static String sagaCss(String type) {
    return switch (type) {
      case "SAGA_FAILED", "DEFINITION_CODE_FAILED", "DEADLINE_PASSED" -> "saga-failed";
      case "COMPENSATION_STARTED", "SAGA_COMPENSATED" -> "saga-compensation";
      case "SAGA_COMPLETED" -> "saga-completed";
      default -> "saga-event";
    };
  }

  private static String shortName(String type) {
    return type.replace("SAGA_", "").replace('_', ' ').toLowerCase(Locale.ROOT);
  }
}
