package io.sagacoord.dsl.engine;

import static org.assertj.core.api.Assertions.assertThat;

import io.sagacoord.dsl.JacksonJsonCodec;
import io.sagacoord.dsl.SagaDefinition;
import io.sagacoord.dsl.TripSaga;
import io.sagacoord.dsl.TripSaga.TripData;
import io.sagacoord.dsl.engine.Effect.CancelTimers;
import io.sagacoord.dsl.engine.Effect.ScheduleTimer;
import io.sagacoord.dsl.engine.Effect.SendCommand;
import io.sagacoord.dsl.engine.SagaEvent.ReplyReceived;
import io.sagacoord.dsl.engine.SagaEvent.TimerFired;
import io.sagacoord.dsl.engine.Transition.Disposition;
import io.sagacoord.protocol.ReplyOutcome;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Random;
import java.util.UUID;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.LongRange;
import net.jqwik.api.statistics.Statistics;

/**
 * The engine fed a clean event sequence, and the same sequence with duplicated, stale and
 * out-of-order (late) copies of events mixed in, ends in the same state; every noise event comes
 * back IGNORED. The clean sequences come from a random participant behaviour (success, business or
 * technical failure, refusal, silence) on the trip saga, sequential and with a parallel group, with
 * a short deadline so that deadlines fire too.
 */
class EngineNoisePropertiesTest {

  private static final JacksonJsonCodec CODEC = new JacksonJsonCodec();
  private static final SagaEngine ENGINE = new SagaEngine(CODEC);
  private static final UUID SAGA = UUID.fromString("00000000-0000-0000-0000-0000000000aa");
  private static final Instant T0 = Instant.parse("2030-01-01T00:00:00Z");

  record Timed(SagaEvent event, Instant at) {}

  @Property(tries = 150)
  void duplicatedStaleAndLateEventsLeaveTheSameEndState(
      @ForAll @LongRange long seed, @ForAll @IntRange(min = 0, max = 2) int variant) {
    SagaDefinition<TripData> def =
        switch (variant) {
          case 0 -> TripSaga.sequential();
          case 1 -> TripSaga.withParallelStay();
          default -> TripSaga.sequentialWithDeadline(Duration.ofSeconds(40));
        };
    Random r = new Random(seed);
    String data = CODEC.encode(TripData.of("T" + seed, r.nextBoolean()));
    List<Timed> clean = cleanRun(def, data, r);

    SagaState expected = replay(def, data, clean, null);
    Statistics.label("end status").collect(expected.status());
    Statistics.label("clean events")
        .collect(clean.size() < 6 ? "<6" : clean.size() < 12 ? "6-11" : "12+");

    List<Timed> noisy = new ArrayList<>();
    List<Boolean> isNoise = new ArrayList<>();
    List<SagaEvent> pool = new ArrayList<>();
    for (Timed t : clean) {
      noisy.add(t);
      isNoise.add(false);
      pool.add(t.event());
      int extra = r.nextInt(3);
      for (int i = 0; i < extra; i++) {
        // a copy of any earlier event, arriving late, or a stale fabrication
        SagaEvent noise =
            r.nextInt(4) == 0
                ? stale(pool.get(r.nextInt(pool.size())), r)
                : pool.get(r.nextInt(pool.size()));
        noisy.add(new Timed(noise, t.at()));
        isNoise.add(true);
      }
    }
    List<Disposition> dispositions = new ArrayList<>();
    SagaState actual = replay(def, data, noisy, dispositions);

    assertThat(actual).isEqualTo(expected);
    for (int i = 0; i < noisy.size(); i++) {
      if (isNoise.get(i)) {
        assertThat(dispositions.get(i))
            .as("noise event %s", noisy.get(i).event())
            .isEqualTo(Disposition.IGNORED);
      }
    }
  }

  private static SagaEvent stale(SagaEvent e, Random r) {
    if (e instanceof ReplyReceived rr) {
      return switch (r.nextInt(3)) {
        case 0 ->
            new ReplyReceived(
                rr.step(),
                rr.phase(),
                rr.attempt(),
                UUID.randomUUID(),
                rr.outcome(),
                rr.bodyJson());
        case 1 ->
            new ReplyReceived(
                "no-such-step", rr.phase(), rr.attempt(), null, rr.outcome(), rr.bodyJson());
        default ->
            new ReplyReceived(
                rr.step(), rr.phase(), rr.attempt() + 7, null, ReplyOutcome.SUCCESS, "{}");
      };
    }
    if (e instanceof TimerFired t && t.kind() != TimerKind.DEADLINE) {
      return new TimerFired(t.kind(), t.step(), t.phase(), t.attempt() + 9);
    }
    return e;
  }

  private static SagaState replay(
      SagaDefinition<TripData> def, String data, List<Timed> events, List<Disposition> out) {
    SagaState s = ENGINE.start(def, SAGA, data, T0).state();
    for (Timed t : events) {
      Transition tr = ENGINE.apply(def, s, t.event(), t.at());
      if (out != null) {
        out.add(tr.disposition());
      }
      s = tr.state();
    }
    return s;
  }

  /** Drives the saga with a random participant behaviour; returns the applied events in order. */
  private static List<Timed> cleanRun(SagaDefinition<TripData> def, String data, Random r) {
    List<Timed> applied = new ArrayList<>();
    List<SendCommand> outstanding = new ArrayList<>();
    List<ScheduleTimer> timers = new ArrayList<>();
    Transition t = ENGINE.start(def, SAGA, data, T0);
    Instant now = T0;
    absorb(t, outstanding, timers);
    SagaState s = t.state();
    for (int n = 0; n < 300 && !s.status().isTerminal(); n++) {
      SagaEvent event;
      ScheduleTimer nextTimer =
          timers.stream().min(Comparator.comparing(ScheduleTimer::dueAt)).orElse(null);
      if (!outstanding.isEmpty() && (nextTimer == null || r.nextInt(10) < 7)) {
        SendCommand c = outstanding.remove(r.nextInt(outstanding.size()));
        int roll = r.nextInt(100);
        if (roll < 15) {
          continue; // silence: it will time out
        }
        ReplyOutcome outcome =
            roll < 70
                ? ReplyOutcome.SUCCESS
                : roll < 82
                    ? ReplyOutcome.BUSINESS_FAILURE
                    : roll < 95 ? ReplyOutcome.TECHNICAL_FAILURE : ReplyOutcome.REFUSED;
        String body =
            outcome == ReplyOutcome.SUCCESS
                ? CODEC.encode(new TripSaga.Booked(c.step() + "-" + c.attempt()))
                : CODEC.encode(new TripSaga.Rejection("no"));
        event = new ReplyReceived(c.step(), c.phase(), c.attempt(), c.commandId(), outcome, body);
        Instant candidate = now.plusMillis(r.nextInt(3000));
        now =
            nextTimer != null && candidate.isAfter(nextTimer.dueAt())
                ? max(now, nextTimer.dueAt())
                : candidate;
      } else if (nextTimer != null) {
        timers.remove(nextTimer);
        now = max(now, nextTimer.dueAt());
        event =
            new TimerFired(
                nextTimer.kind(), nextTimer.step(), nextTimer.phase(), nextTimer.attempt());
      } else {
        break;
      }
      t = ENGINE.apply(def, s, event, now);
      if (t.disposition() == Disposition.APPLIED) {
        applied.add(new Timed(event, now));
        absorb(t, outstanding, timers);
      }
      s = t.state();
    }
    return applied;
  }

  private static Instant max(Instant a, Instant b) {
    return a.isAfter(b) ? a : b;
  }

  private static void absorb(
      Transition t, List<SendCommand> outstanding, List<ScheduleTimer> timers) {
    for (Effect e : t.effects()) {
      if (e instanceof SendCommand c) {
        outstanding.add(c);
      } else if (e instanceof ScheduleTimer s) {
        timers.add(s);
      } else if (e instanceof CancelTimers c) {
        timers.removeIf(s -> c.step() == null || c.step().equals(s.step()));
      }
    }
    if (t.state().status().isTerminal()) {
      outstanding.clear();
    }
  }
}
