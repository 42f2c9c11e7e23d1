package io.sagacoord.server.internal.console;

import io.sagacoord.server.internal.storage.SagaQueryDao.PerMinute;
import java.time.Duration;
import java.time.Instant;
import java.util.List;

/** Starts and ends per minute over the last hour as SVG: two bars per minute, oldest left. */
final class StartsEndsChart {

  static final int MINUTES = 60;
  private static final int WIDTH = 720;
  private static final int HEIGHT = 200;
  private static final int LEFT = 44;
  private static final int BOTTOM = 28;
  private static final int TOP = 14;
  static final String STARTS = "#1565c0";
  static final String ENDS = "#2e7d32";

  private StartsEndsChart() {}

  /**
   * @param from the start of the hour shown; buckets are minutes counted from it
   */
  static String render(List<PerMinute> counts, Instant from) {
    long[] starts = new long[MINUTES];
    long[] ends = new long[MINUTES];
    for (PerMinute c : counts) {
      int i = (int) Duration.between(from, c.minute()).toMinutes();
      if (i >= 0 && i < MINUTES) {
        (c.ends() ? ends : starts)[i] += c.count();
      }
    }
    long max = 1;
    long totalStarts = 0;
    long totalEnds = 0;
    for (int i = 0; i < MINUTES; i++) {
      max = Math.max(max, Math.max(starts[i], ends[i]));
      totalStarts += starts[i];
      totalEnds += ends[i];
    }
    Svg svg =
        new Svg(
            "starts-ends",
            WIDTH,
            HEIGHT,
            "Saga starts and ends per minute, last hour",
            totalStarts
                + " sagas started and "
                + totalEnds
                + " ended in the last 60 minutes; at most "
                + max
                + " in one minute.");
    double plotW = WIDTH - LEFT - 10;
    double plotH = HEIGHT - TOP - BOTTOM;
    double slot = plotW / MINUTES;
    for (int t = 0; t <= 4; t++) {
      double y = TOP + plotH - plotH * t / 4;
      svg.shape(
          "line",
          null,
          "x1",
          Integer.toString(LEFT),
          "y1",
          Svg.num(y),
          "x2",
          Integer.toString(WIDTH - 10),
          "y2",
          Svg.num(y),
          "stroke",
          "#e0e0e0");
      svg.text(
          Long.toString(Math.round(max * t / 4.0)),
          "x",
          Integer.toString(LEFT - 6),
          "y",
          Svg.num(y + 4),
          "text-anchor",
          "end",
          "fill",
          "#333");
    }
    for (int m = 0; m <= MINUTES; m += 15) {
      svg.text(
          m == MINUTES ? "now" : "\u2212" + (MINUTES - m) + " min",
          "x",
          Svg.num(LEFT + slot * m),
          "y",
          Integer.toString(HEIGHT - 8),
          "text-anchor",
          m == 0 ? "start" : m == MINUTES ? "end" : "middle",
          "fill",
          "#333");
    }
    for (int i = 0; i < MINUTES; i++) {
      Instant minute = from.plus(Duration.ofMinutes(i));
      bar(svg, "start", starts[i], max, LEFT + slot * i + 1, slot / 2 - 1, plotH, minute, STARTS);
      bar(svg, "end", ends[i], max, LEFT + slot * i + slot / 2, slot / 2 - 1, plotH, minute, ENDS);
    }
    return svg.end();
  }

  private static void bar(
      Svg svg,
      String kind,
      long n,
      long max,
      double x,
      double w,
      double plotH,
      Instant minute,
      String colour) {
    if (n == 0) {
      return;
    }
    double h = Math.max(1, plotH * n / max);
    svg.shape(
        "rect",
        n + (kind.equals("start") ? " started" : " ended") + " in the minute from " + minute,
        "class",
        "bar " + kind,
        "x",
        Svg.num(x),
        "y",
        Svg.num(TOP + plotH - h),
        "width",
        Svg.num(Math.max(1, w)),
        "height",
        Svg.num(h),
        "fill",
        colour);
  }
}
