package io.sagacoord.bench.internal;

import io.sagacoord.bench.BenchSaga;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;

/**
 * Starts benchmark sagas through {@code POST /api/sagas/bench-trip} (the coordinator has no Kafka
 * start topic) with a pooled HTTP/1.1 client. Open loop: the n-th start is due at {@code t0 + n /
 * rate}, whatever happened to earlier ones; its latency is counted from that due time, so a
 * generator or coordinator that falls behind shows up in the latencies (no coordinated omission).
 */
public final class LoadGenerator implements AutoCloseable {

  private static final int MAX_OUTSTANDING = 4096;

  private final URI startUri;
  private final CompletionTracker tracker;
  private final ExecutorService callbacks = Executors.newFixedThreadPool(4, daemon("bench-http"));
  private final HttpClient http;
  private final String runId = Long.toString(System.currentTimeMillis(), 36);
  private final AtomicLong sequence = new AtomicLong();
  private final AtomicLong errors = new AtomicLong();
  private volatile String lastError;

  public LoadGenerator(URI coordinator, CompletionTracker tracker) {
    this.startUri = coordinator.resolve("/api/sagas/" + BenchSaga.TYPE);
    this.tracker = tracker;
    this.http =
        HttpClient.newBuilder()
            .version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5))
            .executor(callbacks)
            .build();
  }

  /**
   * Offers {@code rate} starts a second for {@code duration}; {@code failShare} of them (spread
   * evenly) make the car step fail. Returns when the last start was sent (not answered).
   */
  public List<SagaRecord> run(double rate, Duration duration, double failShare) {
    int count = (int) Math.round(rate * duration.toNanos() / 1e9);
    List<SagaRecord> records = new ArrayList<>(count);
    Semaphore outstanding = new Semaphore(MAX_OUTSTANDING);
    double periodNanos = 1e9 / rate;
    long t0Nanos = System.nanoTime();
    long t0Micros = Micros.now();
    for (int i = 0; i < count; i++) {
      long due = t0Nanos + (long) (i * periodNanos);
      long wait;
      while ((wait = due - System.nanoTime()) > 0) {
        LockSupport.parkNanos(wait);
      }
      boolean fail = Math.floor((i + 1) * failShare) > Math.floor(i * failShare);
      SagaRecord record = new SagaRecord(t0Micros + (due - t0Nanos) / 1000, fail);
      records.add(record);
      outstanding.acquireUninterruptibly();
      send(record, outstanding);
    }
    return records;
  }

  /**
   * Closed loop, as fast as the coordinator takes them with {@code concurrency} starts in flight:
   * for the recovery mode, which needs many sagas in flight, not a rate. Returns when all answered.
   */
  public List<SagaRecord> burst(int count, int concurrency) {
    List<SagaRecord> records = new ArrayList<>(count);
    Semaphore outstanding = new Semaphore(concurrency);
    for (int i = 0; i < count; i++) {
      outstanding.acquireUninterruptibly();
      SagaRecord record = new SagaRecord(Micros.now(), false);
      records.add(record);
      send(record, outstanding);
    }
    outstanding.acquireUninterruptibly(concurrency);
    outstanding.release(concurrency);
    return records;
  }

  private void send(SagaRecord record, Semaphore outstanding) {
    long seq = sequence.incrementAndGet();
    String ref = runId + "-" + seq;
    String body = "{\"ref\":\"" + ref + "\",\"failCar\":" + record.failCar + "}";
    HttpRequest request =
        HttpRequest.newBuilder(startUri)
            .timeout(Duration.ofSeconds(60))
            .header("Content-Type", "application/json")
            .header("Idempotency-Key", ref)
            .header("X-API-Key", BenchCluster.API_KEY)
            .POST(HttpRequest.BodyPublishers.ofString(body))
            .build();
    http.sendAsync(request, HttpResponse.BodyHandlers.ofString())
        .whenComplete(
            (response, failure) -> {
              try {
                record.responseMicros = Micros.now();
                if (failure != null || response.statusCode() / 100 != 2) {
                  record.startError = true;
                  errors.incrementAndGet();
                  lastError =
                      failure != null
                          ? failure.toString()
                          : response.statusCode() + " " + response.body();
                  return;
                }
                record.id = parseSagaId(response.body());
                tracker.register(record);
              } catch (RuntimeException e) {
                record.startError = true;
                errors.incrementAndGet();
                lastError = e.toString();
              } finally {
                outstanding.release();
              }
            });
  }

  /** {@code {"sagaId":"<uuid>","created":true}}: cheaper than a JSON parser at a few k/s. */
  static UUID parseSagaId(String body) {
    int at = body.indexOf("\"sagaId\"");
    if (at < 0) {
      throw new BenchException("no sagaId in start response: " + body);
    }
    int quote = body.indexOf('"', body.indexOf(':', at) + 1);
    return UUID.fromString(body.substring(quote + 1, quote + 37));
  }

  public long errors() {
    return errors.get();
  }

  public String lastError() {
    return lastError;
  }

  @Override
  public void close() {
    callbacks.shutdownNow();
    try {
      callbacks.awaitTermination(5, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private static java.util.concurrent.ThreadFactory daemon(String name) {
    AtomicLong n = new AtomicLong();
    return r -> {
      Thread t = new Thread(r, name + "-" + n.incrementAndGet());
      t.setDaemon(true);
      return t;
    };
  }
}
