package io.sagacoord.participant.internal;

import io.sagacoord.participant.CommandContext;
import io.sagacoord.participant.CommandHandler;
import io.sagacoord.participant.InboxAccessException;
import io.sagacoord.participant.LocalRetryPolicy;
import io.sagacoord.participant.Outcome;
import io.sagacoord.participant.RetryLater;
import io.sagacoord.participant.TransactionRunner.Transaction;
import io.sagacoord.protocol.MessageKind;
import io.sagacoord.protocol.Phase;
import io.sagacoord.protocol.RefusalCode;
import io.sagacoord.protocol.ReplyOutcome;
import io.sagacoord.protocol.SagaHeaders;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.UUID;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.internals.RecordHeader;
import tools.jackson.databind.ObjectMapper;

/**
 * The inbox rules for one command inside the batch transaction: answer from the inbox, refuse,
 * fence, or run the handler under a savepoint, then record the outcome.
 */
public final class CommandProcessor {
  private static final System.Logger LOG = System.getLogger(CommandProcessor.class.getName());
  private static final String EMPTY_REPLY = "{}";
  private static final int MAX_REASON = 2000;

  private final String participant;
  private final InboxRepository inbox;
  private final ObjectMapper json;
  private final Clock clock;
  private final LocalRetryPolicy retry;
  private final Counters counters;
  private final CommandTracing tracing;

  public CommandProcessor(
      String participant,
      InboxRepository inbox,
      ObjectMapper json,
      Clock clock,
      LocalRetryPolicy retry,
      Counters counters) {
    this(participant, inbox, json, clock, retry, counters, CommandTracing.none(participant));
  }

  public CommandProcessor(
      String participant,
      InboxRepository inbox,
      ObjectMapper json,
      Clock clock,
      LocalRetryPolicy retry,
      Counters counters,
      CommandTracing tracing) {
    this.tracing = tracing;
    this.participant = participant;
    this.inbox = inbox;
    this.json = json;
    this.clock = clock;
    this.retry = retry;
    this.counters = counters;
  }

  /**
   * The step locks and inbox rows of a whole batch, taken and read with two statements instead of
   * two per command, and the inbox rows its commands record, kept here and written with one JDBC
   * batch by {@link #flush} before the commit instead of one statement per command. Later commands
   * of the batch see what earlier ones recorded. {@link #NONE} (a command on its own) reads and
   * writes the database at once.
   */
  public static final class Prefetched {
    static final Prefetched NONE = new Prefetched(Set.of(), List.of(), false);

    private final Set<InboxRepository.StepKey> locked;
    private final Map<String, InboxRow> rows = new HashMap<>();
    private final boolean defers;
    private final Map<String, InboxRepository.Write> writes = new LinkedHashMap<>();

    private Prefetched(Set<InboxRepository.StepKey> locked, List<InboxRow> found, boolean defers) {
      this.locked = locked;
      this.defers = defers;
      for (InboxRow row : found) {
        rows.put(key(row.sagaId(), row.step(), row.phase()), row);
      }
    }

    private static String key(UUID sagaId, String step, Phase phase) {
      return sagaId + "|" + step + "|" + phase.wireName();
    }

    boolean locked(InboundCommand cmd) {
      return locked.contains(new InboxRepository.StepKey(cmd.sagaId(), cmd.step()));
    }

    /** The row as the batch knows it, or null when it must be read from the database. */
    Optional<InboxRow> known(InboundCommand cmd, Phase phase) {
      if (!locked(cmd)) {
        return null;
      }
      return Optional.ofNullable(rows.get(key(cmd.sagaId(), cmd.step(), phase)));
    }

    /** Records {@code row} for the flush; false when this batch does not defer (write it now). */
    boolean defer(InboxRow row, Instant now) {
      if (!defers) {
        return false;
      }
      String key = key(row.sagaId(), row.step(), row.phase());
      rows.put(key, row);
      // the last write of a key wins: one upsert cannot touch the same row twice
      writes.remove(key);
      writes.put(key, new InboxRepository.Write(row, now));
      return true;
    }
  }

  /**
   * Locks the steps of the batch's commands (sorted by saga id and step, so batches of two
   * consumers never wait on each other in a cycle) and reads their inbox rows.
   */
  public Prefetched prefetch(Transaction tx, List<InboundCommand> commands) throws SQLException {
    if (commands.isEmpty()) {
      return Prefetched.NONE;
    }
    TreeSet<InboxRepository.StepKey> steps =
        new TreeSet<>(
            Comparator.comparing((InboxRepository.StepKey k) -> k.sagaId().toString())
                .thenComparing(InboxRepository.StepKey::step));
    for (InboundCommand cmd : commands) {
      steps.add(new InboxRepository.StepKey(cmd.sagaId(), cmd.step()));
    }
    List<InboxRepository.StepKey> ordered = new ArrayList<>(steps);
    return new Prefetched(Set.copyOf(ordered), inbox.lockAndFind(tx.connection(), ordered), true);
  }

  /**
   * Writes the inbox rows that the batch's commands recorded, in one JDBC batch; call it in the
   * batch transaction after the last command, before the commit.
   */
  public void flush(Transaction tx, Prefetched batch) throws SQLException {
    if (!batch.writes.isEmpty()) {
      inbox.upsertAll(tx.connection(), List.copyOf(batch.writes.values()));
      batch.writes.clear();
    }
  }

  /** Decides and records the answer to {@code cmd}; returns the reply to publish after commit. */
  public ProducerRecord<String, byte[]> process(Transaction tx, InboundCommand cmd)
      throws Exception {
    return process(tx, cmd, Prefetched.NONE);
  }

  /** Like {@link #process(Transaction, InboundCommand)}, with what the batch read ahead. */
  public ProducerRecord<String, byte[]> process(
      Transaction tx, InboundCommand cmd, Prefetched batch) throws Exception {
    try (CommandTracing.Handling handling = tracing.handle(cmd)) {
      try {
        ProducerRecord<String, byte[]> reply = decide(tx, cmd, batch);
        Header outcome = reply.headers().lastHeader(SagaHeaders.OUTCOME);
        if (outcome != null) {
          handling.outcome(new String(outcome.value(), StandardCharsets.UTF_8));
        }
        return reply;
      } catch (Exception | Error e) {
        handling.failed(e);
        throw e;
      }
    }
  }

  private ProducerRecord<String, byte[]> decide(
      Transaction tx, InboundCommand cmd, Prefetched batch) throws Exception {
    Connection c = tx.connection();
    if (!batch.locked(cmd)) {
      lockStep(c, cmd);
    }
    Optional<InboxRow> existing = find(c, cmd, cmd.phase(), batch);
    if (existing.isPresent()) {
      InboxRow row = existing.get();
      if (row.fence()) {
        counters.refused.incrementAndGet();
        return reply(cmd, row.outcome(), row.replyBody());
      }
      if (cmd.attempt() < row.attempt()) {
        counters.refused.incrementAndGet();
        return refusal(
            cmd,
            RefusalCode.STALE_ATTEMPT,
            "attempt "
                + cmd.attempt()
                + " is older than attempt "
                + row.attempt()
                + " already seen");
      }
      // a technical or business failure left no effect behind (its work was rolled back to the
      // savepoint), and the coordinator sends a newer attempt only to have it run again
      boolean runAgain =
          cmd.attempt() > row.attempt()
              && (row.outcome() == ReplyOutcome.TECHNICAL_FAILURE
                  || row.outcome() == ReplyOutcome.BUSINESS_FAILURE);
      if (!runAgain) {
        if (cmd.attempt() > row.attempt()) {
          InboxRow raised =
              new InboxRow(
                  row.sagaId(),
                  row.step(),
                  row.phase(),
                  row.sagaType(),
                  row.commandType(),
                  cmd.attempt(),
                  row.executedAttempt(),
                  row.commandId(),
                  row.outcome(),
                  row.replyBody(),
                  row.fence());
          Instant now = clock.instant();
          if (!batch.defer(raised, now)) {
            inbox.raiseAttempt(c, row, cmd.attempt(), now);
          }
        }
        if (row.outcome() == ReplyOutcome.REFUSED) {
          counters.refused.incrementAndGet();
        } else {
          counters.storedOutcomesResent.incrementAndGet();
        }
        return reply(cmd, row.outcome(), row.replyBody());
      }
    }
    return cmd.phase() == Phase.FORWARD ? forward(tx, cmd, batch) : compensate(tx, cmd, batch);
  }

  private ProducerRecord<String, byte[]> forward(
      Transaction tx, InboundCommand cmd, Prefetched batch) throws Exception {
    Instant now = clock.instant();
    if (cmd.deadline() != null && now.isAfter(cmd.deadline())) {
      String body =
          failureBody(
              "saga deadline " + cmd.deadline() + " passed (now " + now + ")",
              RefusalCode.DEADLINE_PASSED.name());
      store(tx.connection(), batch, cmd, ReplyOutcome.REFUSED, body, cmd.attempt());
      counters.refused.incrementAndGet();
      return reply(cmd, ReplyOutcome.REFUSED, body);
    }
    Result result = execute(tx, cmd);
    store(tx.connection(), batch, cmd, result.outcome(), result.body(), cmd.attempt());
    return reply(cmd, result.outcome(), result.body());
  }

  private ProducerRecord<String, byte[]> compensate(
      Transaction tx, InboundCommand cmd, Prefetched batch) throws Exception {
    Connection c = tx.connection();
    Optional<InboxRow> forward = find(c, cmd, Phase.FORWARD, batch);
    if (forward.isEmpty() || forward.get().outcome() != ReplyOutcome.SUCCESS) {
      // nothing was done, so there is nothing to undo; the fence makes sure the forward command
      // never runs if it turns up late
      int seen = forward.map(InboxRow::attempt).orElse(0);
      String fenceBody =
          failureBody(
              "step " + cmd.step() + " was compensated before its forward command ran",
              RefusalCode.FENCED.name());
      write(
          c,
          batch,
          new InboxRow(
              cmd.sagaId(),
              cmd.step(),
              Phase.FORWARD,
              cmd.sagaType(),
              forward.map(InboxRow::commandType).orElse(cmd.commandType()),
              seen,
              seen,
              cmd.commandId(),
              ReplyOutcome.REFUSED,
              fenceBody,
              true));
      store(c, batch, cmd, ReplyOutcome.SUCCESS, EMPTY_REPLY, cmd.attempt());
      counters.fencedCompensations.incrementAndGet();
      LOG.log(
          System.Logger.Level.INFO,
          "saga {0} step {1}: compensation before any forward effect, recorded as no-op and fenced",
          cmd.sagaId(),
          cmd.step());
      return reply(cmd, ReplyOutcome.SUCCESS, EMPTY_REPLY);
    }
    Result result = execute(tx, cmd);
    store(c, batch, cmd, result.outcome(), result.body(), cmd.attempt());
    return reply(cmd, result.outcome(), result.body());
  }

  private record Result(ReplyOutcome outcome, String body) {}

  /** Signals a business failure out of the savepoint so that its work is rolled back. */
  private static final class BusinessFailureSignal extends Exception {
    final Outcome.BusinessFailure<?> failure;

    BusinessFailureSignal(Outcome.BusinessFailure<?> failure) {
      super(failure.reason(), null, false, false);
      this.failure = failure;
    }
  }

  @SuppressWarnings({"unchecked", "rawtypes"})
  private Result execute(Transaction tx, InboundCommand cmd) throws Exception {
    CommandHandler handler = cmd.registration().handler();
    CommandContext context =
        new CommandContext(
            cmd.sagaId(),
            cmd.sagaType(),
            cmd.step(),
            cmd.phase(),
            cmd.attempt(),
            cmd.commandId(),
            cmd.commandType(),
            Optional.ofNullable(cmd.deadline()),
            tx.connection());
    Throwable last = null;
    for (int run = 1; run <= retry.maxRuns(); run++) {
      try {
        String body =
            tx.inSavepoint(
                () -> {
                  Outcome<?> outcome = handler.handle(context, cmd.command());
                  if (outcome == null) {
                    throw new IllegalStateException("handler returned null instead of an Outcome");
                  }
                  if (outcome instanceof Outcome.BusinessFailure<?> failure) {
                    throw new BusinessFailureSignal(failure);
                  }
                  Object reply = ((Outcome.Success<?>) outcome).reply();
                  // serialised inside the savepoint: a reply that cannot be written undoes the work
                  return reply == null ? EMPTY_REPLY : json.writeValueAsString(reply);
                });
        counters.handlerRuns.incrementAndGet();
        return new Result(ReplyOutcome.SUCCESS, body);
      } catch (BusinessFailureSignal signal) {
        counters.handlerRuns.incrementAndGet();
        return new Result(
            ReplyOutcome.BUSINESS_FAILURE,
            failureBody(signal.failure.reason(), signal.failure.code()));
      } catch (InterruptedException | RetryLater e) {
        // a deferral is not a failed run: the batch hands the command back to its lane
        throw e;
      } catch (Exception | Error e) {
        // a handler bug (StackOverflowError, AssertionError, a missing class) is this command's
        // technical failure; a JVM in trouble (OutOfMemoryError) stops the batch instead
        if (e instanceof VirtualMachineError && !(e instanceof StackOverflowError)) {
          throw e;
        }
        last = e;
        LOG.log(
            System.Logger.Level.WARNING,
            "saga "
                + cmd.sagaId()
                + " step "
                + cmd.step()
                + " "
                + cmd.phase().wireName()
                + " attempt "
                + cmd.attempt()
                + ": handler run "
                + run
                + " of "
                + retry.maxRuns()
                + " failed",
            e);
        if (run < retry.maxRuns()) {
          Thread.sleep(retry.backoffAfter(run).toMillis());
        }
      }
    }
    counters.handlerRuns.incrementAndGet();
    counters.technicalFailures.incrementAndGet();
    return new Result(ReplyOutcome.TECHNICAL_FAILURE, failureBody(describe(last), null));
  }

  private static String describe(Throwable e) {
    String text = e.getClass().getName() + (e.getMessage() == null ? "" : ": " + e.getMessage());
    return text.length() > MAX_REASON ? text.substring(0, MAX_REASON) : text;
  }

  /**
   * Another consumer may hold the same (saga, step) in an open transaction (a slow batch whose
   * partition moved on): wait for it to commit, so the inbox row read next is its outcome.
   */
  private void lockStep(Connection c, InboundCommand cmd) {
    try {
      inbox.lockStep(c, cmd.sagaId(), cmd.step());
    } catch (SQLException e) {
      throw new InboxAccessException(cmd.sagaId(), cmd.step(), cmd.phase().wireName(), e);
    }
  }

  private Optional<InboxRow> find(Connection c, InboundCommand cmd, Phase phase, Prefetched batch) {
    Optional<InboxRow> known = batch.known(cmd, phase);
    if (known != null) {
      return known;
    }
    try {
      return inbox.findForUpdate(c, cmd.sagaId(), cmd.step(), phase);
    } catch (SQLException e) {
      throw new InboxAccessException(cmd.sagaId(), cmd.step(), phase.wireName(), e);
    }
  }

  private void store(
      Connection c,
      Prefetched batch,
      InboundCommand cmd,
      ReplyOutcome outcome,
      String body,
      int attempt) {
    write(
        c,
        batch,
        new InboxRow(
            cmd.sagaId(),
            cmd.step(),
            cmd.phase(),
            cmd.sagaType(),
            cmd.commandType(),
            attempt,
            cmd.attempt(),
            cmd.commandId(),
            outcome,
            body,
            false));
  }

  /** Records an inbox row: kept for the batch's flush, or written at once. */
  private void write(Connection c, Prefetched batch, InboxRow row) {
    Instant now = clock.instant();
    if (batch.defer(row, now)) {
      return;
    }
    try {
      inbox.upsert(c, row, now);
    } catch (SQLException e) {
      throw new InboxAccessException(row.sagaId(), row.step(), row.phase().wireName(), e);
    }
  }

  private String failureBody(String reason, String code) {
    return json.writeValueAsString(new FailureBody(reason, code));
  }

  private ProducerRecord<String, byte[]> refusal(InboundCommand cmd, RefusalCode code, String why) {
    return reply(cmd, ReplyOutcome.REFUSED, failureBody(why, code.name()));
  }

  /** The reply repeats the command's identity, stamped with the attempt that was asked. */
  ProducerRecord<String, byte[]> reply(InboundCommand cmd, ReplyOutcome outcome, String body) {
    List<Header> headers = new ArrayList<>(12);
    add(headers, SagaHeaders.SAGA_ID, cmd.sagaId().toString());
    add(headers, SagaHeaders.SAGA_TYPE, cmd.sagaType());
    add(headers, SagaHeaders.STEP, cmd.step());
    add(headers, SagaHeaders.PHASE, cmd.phase().wireName());
    add(headers, SagaHeaders.ATTEMPT, Integer.toString(cmd.attempt()));
    add(headers, SagaHeaders.COMMAND_ID, cmd.commandId());
    add(headers, SagaHeaders.COMMAND_TYPE, cmd.commandType());
    add(headers, SagaHeaders.MESSAGE_KIND, MessageKind.REPLY.wireName());
    add(headers, SagaHeaders.OUTCOME, outcome.name());
    add(headers, SagaHeaders.PARTICIPANT, participant);
    String traceparent = CommandTracing.replyTraceparent(cmd);
    if (traceparent != null) {
      add(headers, SagaHeaders.TRACEPARENT, traceparent);
    }
    return new ProducerRecord<>(
        cmd.replyTopic(),
        null,
        cmd.sagaId().toString(),
        body.getBytes(StandardCharsets.UTF_8),
        headers);
  }

  private static void add(List<Header> headers, String name, String value) {
    headers.add(new RecordHeader(name, value.getBytes(StandardCharsets.UTF_8)));
  }
}
