package io.sagacoord.server.internal.console;

import io.sagacoord.dsl.Jitter;
import io.sagacoord.dsl.RetryPolicy;
import io.sagacoord.dsl.SagaDescription;
import io.sagacoord.dsl.SagaDescription.StepDescription;
import io.sagacoord.dsl.StepKind;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * A definition drawn as SVG from its {@code describe()} model: stages left to right in definition
 * order (the steps of a parallel group stacked in one stage, framed and named), each step a box
 * with its kind, participant, command type, condition, timeout and retry policy; the pivot drawn
 * heavier and marked; under each compensatable step its compensation, the compensations linked
 * right to left in the order they run.
 */
final class DefinitionDiagram {

  private static final int STAGE = 230;
  private static final int GAP = 46;
  private static final int LEFT = 20;
  private static final int TOP = 44;
  private static final int BOX_W = 210;
  private static final int BOX_H = 104;
  private static final int COMP_H = 56;
  private static final int COMP_GAP = 26;
  private static final int ROW = BOX_H + COMP_GAP + COMP_H + 24;

  private DefinitionDiagram() {}

  static String render(SagaDescription d, String id) {
    List<List<StepDescription>> stages = new ArrayList<>();
    for (StepDescription s : d.steps()) {
      List<StepDescription> lastStage = stages.isEmpty() ? null : stages.get(stages.size() - 1);
      if (s.group() != null
          && lastStage != null
          && Objects.equals(lastStage.get(0).group(), s.group())) {
        lastStage.add(s);
      } else {
        List<StepDescription> stage = new ArrayList<>();
        stage.add(s);
        stages.add(stage);
      }
    }
    int maxRows = stages.stream().mapToInt(List::size).max().orElse(1);
    int width = LEFT * 2 + stages.size() * (STAGE + GAP) - GAP;
    int height = TOP + maxRows * ROW + 40;
    long pivots = d.steps().stream().filter(s -> s.kind() == StepKind.PIVOT).count();
    Svg svg =
        new Svg(
            id,
            Math.max(width, 400),
            height,
            "Definition " + d.name() + " version " + d.version(),
            d.steps().size()
                + " steps in "
                + stages.size()
                + " stages"
                + (pivots > 0 ? ", pivot " + pivotName(d) : ", no pivot")
                + (d.deadline() == null ? "" : ", deadline " + Svg.human(d.deadline()))
                + ". The table below lists every step.");
    svg.text(
        d.name()
            + " v"
            + d.version()
            + "   deadline "
            + (d.deadline() == null ? "none" : Svg.human(d.deadline()))
            + "   fingerprint "
            + Svg.fit(d.fingerprint(), 16),
        "x",
        Integer.toString(LEFT),
        "y",
        "20",
        "fill",
        "#222",
        "font-weight",
        "bold");
    svg.open("defs", "id", null);
    svg.open(
        "marker",
        "id",
        id + "-arrow",
        "viewBox",
        "0 0 10 10",
        "refX",
        "9",
        "refY",
        "5",
        "markerWidth",
        "8",
        "markerHeight",
        "8",
        "orient",
        "auto-start-reverse");
    svg.shape("path", null, "d", "M0 0 L10 5 L0 10 z", "fill", "#444");
    svg.close("marker");
    svg.close("defs");

    boolean afterPivot = false;
    for (int i = 0; i < stages.size(); i++) {
      List<StepDescription> stage = stages.get(i);
      int x = LEFT + i * (STAGE + GAP);
      String group = stage.get(0).group();
      if (group != null) {
        svg.shape(
            "rect",
            "parallel group " + group,
            "class",
            "group",
            "x",
            Integer.toString(x - 8),
            "y",
            Integer.toString(TOP - 14),
            "width",
            Integer.toString(STAGE - 4),
            "height",
            Integer.toString(stage.size() * ROW + 4),
            "fill",
            "none",
            "stroke",
            "#1565c0",
            "stroke-dasharray",
            "6 4");
        svg.text(
            "parallel: " + Svg.fit(group, 20),
            "x",
            Integer.toString(x),
            "y",
            Integer.toString(TOP - 2),
            "fill",
            "#0d47a1",
            "font-size",
            "11");
      }
      if (i > 0) {
        int y = TOP + 8 + BOX_H / 2;
        svg.shape(
            "line",
            null,
            "class",
            "flow",
            "x1",
            Integer.toString(x - GAP - 6),
            "y1",
            Integer.toString(y),
            "x2",
            Integer.toString(x - 10),
            "y2",
            Integer.toString(y),
            "stroke",
            "#444",
            "stroke-width",
            "1.5",
            "marker-end",
            "url(#" + id + "-arrow)");
      }
      boolean stageHasPivot = false;
      for (int j = 0; j < stage.size(); j++) {
        StepDescription s = stage.get(j);
        int y = TOP + 8 + j * ROW;
        step(svg, s, x, y, afterPivot);
        stageHasPivot |= s.kind() == StepKind.PIVOT;
        if (s.compensationCommandType() != null) {
          compensation(svg, s, x, y + BOX_H + COMP_GAP);
          // the compensation of this stage runs before that of the stage on its left
          if (i > 0 && hasCompensation(stages.get(i - 1))) {
            int cy = y + BOX_H + COMP_GAP + COMP_H / 2;
            svg.shape(
                "line",
                "compensations run right to left",
                "class",
                "compensation-flow",
                "x1",
                Integer.toString(x - 4),
                "y1",
                Integer.toString(cy),
                "x2",
                Integer.toString(x - GAP + 4),
                "y2",
                Integer.toString(cy),
                "stroke",
                "#6a1b9a",
                "stroke-width",
                "1.5",
                "stroke-dasharray",
                "5 3",
                "marker-end",
                "url(#" + id + "-arrow)");
          }
        } else {
          svg.text(
              s.kind() == StepKind.PIVOT
                  ? "no compensation: the go/no-go step"
                  : s.kind() == StepKind.RETRIABLE
                      ? "no compensation: retried until done"
                      : s.noCompensation() ? "no compensation needed" : "no compensation",
              "x",
              Integer.toString(x + 4),
              "y",
              Integer.toString(y + BOX_H + COMP_GAP + 18),
              "fill",
              "#555",
              "font-size",
              "11",
              "font-style",
              "italic");
        }
      }
      afterPivot |= stageHasPivot;
    }
    return svg.end();
  }

  private static boolean hasCompensation(List<StepDescription> stage) {
    return stage.stream().anyMatch(s -> s.compensationCommandType() != null);
  }

  private static void step(Svg svg, StepDescription s, int x, int y, boolean afterPivot) {
    boolean pivot = s.kind() == StepKind.PIVOT;
    String kind = s.kind().name().toLowerCase(java.util.Locale.ROOT);
    svg.open(
        "g",
        "class",
        "step step-" + kind + (pivot ? " pivot" : "") + (s.conditional() ? " conditional" : ""),
        "data-step",
        s.name());
    svg.shape(
        "rect",
        s.name()
            + ": "
            + kind
            + " step of "
            + s.participant()
            + ", command "
            + s.commandType()
            + " on "
            + s.commandTopic()
            + (s.conditional() ? ", runs only when its condition holds" : "")
            + ", timeout "
            + s.timeout()
            + ", retry "
            + policy(s.retry()),
        "x",
        Integer.toString(x),
        "y",
        Integer.toString(y),
        "width",
        Integer.toString(BOX_W),
        "height",
        Integer.toString(BOX_H),
        "rx",
        "6",
        "fill",
        pivot ? "#fff8e1" : afterPivot ? "#e8f5e9" : "#e3f2fd",
        "stroke",
        pivot ? "#e65100" : "#37474f",
        "stroke-width",
        pivot ? "3" : "1.2");
    svg.text(
        Svg.fit(s.name(), 22) + (pivot ? "  \u2691 PIVOT" : ""),
        "x",
        Integer.toString(x + 8),
        "y",
        Integer.toString(y + 18),
        "fill",
        "#111",
        "font-weight",
        "bold");
    line(svg, x, y + 34, kind + (s.conditional() ? " \u00b7 if condition" : ""));
    line(svg, x, y + 50, "participant " + Svg.fit(s.participant(), 18));
    line(svg, x, y + 66, "command " + Svg.fit(s.commandType(), 22));
    line(svg, x, y + 82, "timeout " + Svg.human(s.timeout()));
    line(svg, x, y + 98, "retry " + Svg.fit(policy(s.retry()), 26));
    svg.close("g");
  }

  private static void compensation(Svg svg, StepDescription s, int x, int y) {
    svg.open("g", "class", "compensation", "data-step", s.name());
    svg.shape(
        "line",
        null,
        "x1",
        Integer.toString(x + BOX_W / 2),
        "y1",
        Integer.toString(y - COMP_GAP),
        "x2",
        Integer.toString(x + BOX_W / 2),
        "y2",
        Integer.toString(y),
        "stroke",
        "#6a1b9a",
        "stroke-dasharray",
        "3 3");
    svg.shape(
        "rect",
        "compensation of "
            + s.name()
            + ": command "
            + s.compensationCommandType()
            + ", retry "
            + policy(s.compensationRetry()),
        "x",
        Integer.toString(x),
        "y",
        Integer.toString(y),
        "width",
        Integer.toString(BOX_W),
        "height",
        Integer.toString(COMP_H),
        "rx",
        "6",
        "fill",
        "#f3e5f5",
        "stroke",
        "#6a1b9a",
        "stroke-dasharray",
        "5 3");
    svg.text(
        "\u21a9 " + Svg.fit(s.compensationCommandType(), 24),
        "x",
        Integer.toString(x + 8),
        "y",
        Integer.toString(y + 20),
        "fill",
        "#4a148c",
        "font-weight",
        "bold");
    line(svg, x, y + 40, "retry " + Svg.fit(policy(s.compensationRetry()), 26));
    svg.close("g");
  }

  private static void line(Svg svg, int x, int y, String text) {
    svg.text(text, "x", Integer.toString(x + 8), "y", Integer.toString(y), "fill", "#333");
  }

  private static String pivotName(SagaDescription d) {
    return d.steps().stream()
        .filter(s -> s.kind() == StepKind.PIVOT)
        .map(StepDescription::name)
        .findFirst()
        .orElse("none");
  }

  /** A retry policy in a few words: {@code 3x fixed 100 ms}, {@code until done exp 1 s x2}. */
  static String policy(RetryPolicy p) {
    if (p == null) {
      return "none";
    }
    String attempts = p.isUnlimited() ? "until done" : p.maxAttempts() + "x";
    String base =
        p.backoff() == RetryPolicy.Backoff.FIXED
            ? "fixed " + Svg.human(p.initialDelay())
            : "exp "
                + Svg.human(p.initialDelay())
                + " \u00d7"
                + p.multiplier()
                + " \u2264"
                + Svg.human(p.maxDelay());
    return attempts + " " + base + (p.jitter() == Jitter.NONE ? "" : " jitter");
  }

  static String human(Duration d) {
    return d == null ? "none" : Svg.human(d);
  }
}
