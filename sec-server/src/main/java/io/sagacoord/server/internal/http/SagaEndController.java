package io.sagacoord.server.internal.http;

import io.sagacoord.dsl.engine.SagaStatus;
import io.sagacoord.server.internal.pipeline.SagaEnds;
import io.sagacoord.server.internal.problem.ApiException;
import io.sagacoord.server.internal.query.SagaQueries;
import io.sagacoord.server.internal.query.SagaQueries.SagaDetail;
import jakarta.annotation.PreDestroy;
import java.time.Duration;
import java.time.format.DateTimeParseException;
import java.util.UUID;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;
import org.springframework.web.context.request.async.DeferredResult;

/**
 * The end of a saga by long-poll: {@code GET /api/sagas/{id}/end?wait=PT30S} answers with the saga
 * (as {@code GET /api/sagas/{id}}) as soon as it is COMPLETED, COMPENSATED or FAILED, or with its
 * current state when the wait elapses. A waiter holds neither a servlet thread nor a database
 * connection: {@link SagaEnds} wakes it after the commit of the transition that ends the saga on
 * this instance, and a periodic re-check ({@code sec.api.end-wait-recheck}, default 1 s) finds
 * sagas ended by another instance. The wait is capped at {@code sec.api.max-end-wait} (default 60
 * s), which is also the default.
 */
@RestController
@RequestMapping("/api/sagas")
public class SagaEndController {
  private static final Logger LOG = LoggerFactory.getLogger(SagaEndController.class);

  private final SagaController sagas;
  private final SagaQueries queries;
  private final SagaEnds ends;
  private final Duration maxWait;
  // reads the saga for woken waiters and re-checks the watched ones; never a servlet thread
  private final ScheduledExecutorService worker;

  public SagaEndController(
      SagaController sagas,
      SagaQueries queries,
      SagaEnds ends,
      @Value("${sec.api.max-end-wait:PT60S}") Duration maxWait,
      @Value("${sec.api.end-wait-recheck:PT1S}") Duration recheck) {
    if (maxWait.isNegative() || maxWait.isZero()) {
      throw new IllegalArgumentException("sec.api.max-end-wait must be positive");
    }
    if (recheck.isNegative() || recheck.isZero()) {
      throw new IllegalArgumentException("sec.api.end-wait-recheck must be positive");
    }
    this.sagas = sagas;
    this.queries = queries;
    this.ends = ends;
    this.maxWait = maxWait;
    this.worker =
        Executors.newSingleThreadScheduledExecutor(
            r -> {
              Thread t = new Thread(r, "sec-saga-end-waiters");
              t.setDaemon(true);
              return t;
            });
    worker.scheduleWithFixedDelay(
        this::recheck, recheck.toMillis(), recheck.toMillis(), TimeUnit.MILLISECONDS);
  }

  @GetMapping(path = "/{id}/end")
  public DeferredResult<SagaDetail> awaitEnd(
      @PathVariable String id, @RequestParam(name = "wait", required = false) String wait) {
    UUID sagaId = QueryParams.uuid("saga id", id);
    Duration timeout = parseWait(wait);
    SagaDetail now = sagas.get(id);
    DeferredResult<SagaDetail> result = new DeferredResult<>(Math.max(1, timeout.toMillis()));
    if (isEnd(now.status()) || timeout.isZero()) {
      result.setResult(now);
      return result;
    }
    AutoCloseable listening = ends.listen(sagaId, () -> worker.execute(() -> answer(id, result)));
    result.onTimeout(() -> answer(id, result));
    result.onError(e -> close(listening));
    result.onCompletion(() -> close(listening));
    // the saga may have ended between the read above and listen()
    worker.execute(() -> answerIfEnded(sagaId, id, result));
    return result;
  }

  private Duration parseWait(String wait) {
    if (wait == null) {
      return maxWait;
    }
    Duration d;
    try {
      d = Duration.parse(wait);
    } catch (DateTimeParseException e) {
      throw ApiException.badRequest(
          "wait must be an ISO-8601 duration such as PT30S, not '"
              + QueryParams.abbreviate(wait)
              + "'");
    }
    if (d.isNegative()) {
      throw ApiException.badRequest("wait must not be negative");
    }
    return d.compareTo(maxWait) > 0 ? maxWait : d;
  }

  private void recheck() {
    for (UUID sagaId : ends.watched()) {
      try {
        if (queries.status(sagaId).map(SagaEndController::isEnd).orElse(true)) {
          ends.ended(sagaId);
        }
      } catch (RuntimeException e) {
        LOG.warn("re-checking whether saga {} ended failed: {}", sagaId, e.toString());
        return;
      }
    }
  }

  private void answerIfEnded(UUID sagaId, String id, DeferredResult<SagaDetail> result) {
    try {
      if (queries.status(sagaId).map(SagaEndController::isEnd).orElse(true)) {
        answer(id, result);
      }
    } catch (RuntimeException e) {
      result.setErrorResult(e);
    }
  }

  private void answer(String id, DeferredResult<SagaDetail> result) {
    if (result.isSetOrExpired()) {
      return;
    }
    try {
      result.setResult(sagas.get(id));
    } catch (RuntimeException e) {
      result.setErrorResult(e);
    }
  }

  private static boolean isEnd(String status) {
    return SagaStatus.valueOf(status).isTerminal();
  }

  private static void close(AutoCloseable listening) {
    try {
      listening.close();
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  @PreDestroy
  void stop() {
    worker.shutdownNow();
  }
}
