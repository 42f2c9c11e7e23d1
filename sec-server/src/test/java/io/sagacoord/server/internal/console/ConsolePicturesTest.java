package io.sagacoord.server.internal.console;

import static org.assertj.core.api.Assertions.assertThat;

import io.sagacoord.dsl.ParticipantRef;
import io.sagacoord.dsl.RetryPolicy;
import io.sagacoord.dsl.SagaDefinition;
import io.sagacoord.server.internal.query.SagaQueries.KafkaPosition;
import io.sagacoord.server.internal.query.SagaQueries.TimelineEntry;
import io.sagacoord.server.internal.storage.SagaQueryDao.PerMinute;
import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import javax.xml.parsers.DocumentBuilderFactory;
import javax.xml.xpath.XPathConstants;
import javax.xml.xpath.XPathFactory;
import org.junit.jupiter.api.Test;
import org.w3c.dom.Document;
import org.w3c.dom.NodeList;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/** The console's SVG pictures, parsed back as XML: what they draw for a given log or definition. */
class ConsolePicturesTest {

  private static final Instant T0 = Instant.parse("2026-03-01T10:00:00Z");
  private final JsonMapper json = JsonMapper.builder().build();

  private record Data(String x) {}

  private TimelineEntry log(
      int ms, String type, String step, String phase, Integer attempt, String detail) {
    JsonNode d = detail == null ? null : json.readTree(detail);
    return new TimelineEntry(
        "log",
        T0.plusMillis(ms),
        ms,
        type,
        step,
        phase,
        attempt,
        null,
        d,
        null,
        "sec-1",
        type.equals("STEP_SUCCEEDED") ? new KafkaPosition("replies", 0, 42L) : null,
        null,
        null,
        null);
  }

  @Test
  void theTimelineDrawsForwardAttemptsRetriesCompensationLanesAndOperatorActions()
      throws Exception {
    List<TimelineEntry> entries = new ArrayList<>();
    entries.add(log(0, "SAGA_STARTED", null, null, 0, "{}"));
    entries.add(log(1, "COMMAND_SENT", "book", "forward", 1, "{}"));
    entries.add(log(40, "STEP_SUCCEEDED", "book", "forward", 1, "{}"));
    entries.add(log(41, "COMMAND_SENT", "pay", "forward", 1, "{}"));
    entries.add(log(2041, "ATTEMPT_TIMED_OUT", "pay", "forward", 1, "{}"));
    entries.add(
        log(
            2041,
            "RETRY_SCHEDULED",
            "pay",
            "forward",
            1,
            "{\"nextAttempt\":2,\"dueAt\":\"2026-03-01T10:00:02.141Z\",\"error\":\"timeout\"}"));
    entries.add(log(2141, "COMMAND_SENT", "pay", "forward", 2, "{}"));
    entries.add(log(2200, "STEP_FAILED", "pay", "forward", 2, "{\"error\":\"declined\"}"));
    entries.add(log(2200, "COMPENSATION_STARTED", null, null, 0, "{}"));
    entries.add(log(2201, "COMMAND_SENT", "book", "compensate", 1, "{}"));
    entries.add(log(2300, "STEP_COMPENSATED", "book", "compensate", 1, "{}"));
    entries.add(log(2300, "SAGA_COMPENSATED", null, null, 0, "{}"));
    entries.add(
        new TimelineEntry(
            "audit",
            T0.plusMillis(3000),
            null,
            "retry-step",
            null,
            null,
            null,
            null,
            null,
            null,
            null,
            null,
            "api-key:operator",
            "participant back <up>",
            "REJECTED"));

    Document svg = parse(TimelineSvg.render(entries, List.of("book", "pay"), T0.plusMillis(3000)));

    assertThat(count(svg, "//*[contains(@class,'lane-forward')]")).isEqualTo(2);
    assertThat(count(svg, "//*[contains(@class,'lane-compensation') and @data-step='book']"))
        .isEqualTo(1);
    assertThat(count(svg, "//*[contains(@class,'lane-compensation') and @data-step='pay']"))
        .isZero();
    assertThat(count(svg, "//*[local-name()='rect' and contains(@class,'bar forward')]"))
        .isEqualTo(3);
    assertThat(count(svg, "//*[contains(@class,'bar forward timed-out')]")).isEqualTo(1);
    assertThat(count(svg, "//*[contains(@class,'bar forward failed') and @data-attempt='2']"))
        .isEqualTo(1);
    assertThat(count(svg, "//*[contains(@class,'bar compensation compensated')]")).isEqualTo(1);
    assertThat(count(svg, "//*[@class='retry-wait']")).isEqualTo(1);
    assertThat(count(svg, "//*[contains(@class,'marker timeout')]")).isEqualTo(1);
    NodeList operator = nodes(svg, "//*[contains(@class,'operator-action')]");
    assertThat(operator.getLength()).isEqualTo(1);
    assertThat(operator.item(0).getTextContent())
        .contains("retry-step by api-key:operator (REJECTED): participant back <up>");
  }

  @Test
  void anAttemptWithoutAnAnswerRunsToTheOpenEnd() throws Exception {
    List<TimelineEntry> entries =
        List.of(
            log(0, "SAGA_STARTED", null, null, 0, "{}"),
            log(5, "COMMAND_SENT", "book", "forward", 1, "{}"));

    Document svg = parse(TimelineSvg.render(entries, List.of("book"), T0.plusSeconds(10)));

    NodeList open = nodes(svg, "//*[contains(@class,'bar forward open')]");
    assertThat(open.getLength()).isEqualTo(1);
    assertThat(open.item(0).getTextContent()).contains("waiting for a reply");
  }

  @Test
  void theDiagramStacksAParallelGroupMarksThePivotAndDrawsEachCompensation() throws Exception {
    ParticipantRef p = new ParticipantRef("shop", "saga.shop.commands");
    SagaDefinition<Data> def =
        SagaDefinition.named("order", Data.class)
            .step("reserve")
            .invoke(p, "reserve.do", d -> d)
            .compensateWith("reserve.undo", d -> d)
            .parallel(
                "notify",
                g -> {
                  g.step("mail").invoke(p, "mail.do", d -> d).compensateWith("mail.undo", d -> d);
                  g.step("sms")
                      .invoke(p, "sms.do", d -> d)
                      .noCompensation()
                      .when(d -> d.x() != null);
                })
            .step("charge")
            .invoke(p, "charge.do", d -> d)
            .pivot()
            .timeout(Duration.ofSeconds(5))
            .step("ship")
            .invoke(p, "ship.do", d -> d)
            .retriable()
            .retry(RetryPolicy.fixed(7, Duration.ofSeconds(1)))
            .build();

    Document svg = parse(DefinitionDiagram.render(def.describe(), "d"));

    assertThat(count(svg, "//*[contains(@class,'step ')]")).isEqualTo(5);
    assertThat(count(svg, "//*[@class='group']")).isEqualTo(1);
    assertThat(count(svg, "//*[contains(@class,'pivot') and @data-step='charge']")).isEqualTo(1);
    assertThat(count(svg, "//*[contains(@class,'conditional') and @data-step='sms']")).isEqualTo(1);
    assertThat(count(svg, "//*[@class='compensation']")).isEqualTo(2);
    assertThat(count(svg, "//*[@class='compensation-flow']")).isEqualTo(1);
    String text = svg.getDocumentElement().getTextContent();
    assertThat(text)
        .contains("parallel: notify")
        .contains("PIVOT")
        .contains("timeout 5 s")
        .contains("retry 7x fixed 1 s")
        .contains("\u21a9 reserve.undo")
        .contains("if condition");
  }

  @Test
  void durationsReadAsPeopleSayThem() {
    assertThat(Svg.human(Duration.ofMillis(850))).isEqualTo("850 ms");
    assertThat(Svg.human(Duration.ofMillis(2400))).isEqualTo("2.4 s");
    assertThat(Svg.human(Duration.ofSeconds(5))).isEqualTo("5 s");
    assertThat(Svg.human(Duration.ofSeconds(185))).isEqualTo("3 min 5 s");
    assertThat(Svg.human(Duration.ofMinutes(1))).isEqualTo("1 min");
    assertThat(Svg.human(Duration.ofMinutes(130))).isEqualTo("2 h 10 min");
  }

  @Test
  void theStartsAndEndsChartHasABarPerMinuteWithSagas() throws Exception {
    Instant from = Instant.parse("2026-03-01T09:01:00Z");
    Document svg =
        parse(
            StartsEndsChart.render(
                List.of(
                    new PerMinute(false, from, 3),
                    new PerMinute(false, from.plusSeconds(59 * 60), 5),
                    new PerMinute(true, from.plusSeconds(59 * 60), 2),
                    new PerMinute(true, from.minusSeconds(60), 9)),
                from));

    assertThat(count(svg, "//*[@class='bar start']")).isEqualTo(2);
    assertThat(count(svg, "//*[@class='bar end']")).isEqualTo(1);
    assertThat(svg.getDocumentElement().getTextContent()).contains("8 sagas started and 2 ended");
  }

  private static Document parse(String svg) throws Exception {
    DocumentBuilderFactory factory = DocumentBuilderFactory.newInstance();
    return factory
        .newDocumentBuilder()
        .parse(new ByteArrayInputStream(svg.getBytes(StandardCharsets.UTF_8)));
  }

  private static NodeList nodes(Document doc, String xpath) throws Exception {
    return (NodeList)
        XPathFactory.newInstance().newXPath().evaluate(xpath, doc, XPathConstants.NODESET);
  }

  private static int count(Document doc, String xpath) throws Exception {
    return nodes(doc, xpath).getLength();
  }
}
