package io.sagacoord.bench.internal;

import io.sagacoord.bench.BenchSaga;
import io.sagacoord.protocol.SagaHeaders;
import io.sagacoord.protocol.Topics;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;

/**
 * Starts benchmark sagas, either through {@code POST /api/sagas/bench-trip} with a pooled HTTP/1.1
 * client (one request per start) or as messages on the coordinator's Kafka start topic (the
 * coordinator reads them in batches). Open loop: the n-th start is due at {@code t0 + n / rate},
 * whatever happened to earlier ones; its latency is counted from that due time, so a generator or
 * coordinator that falls behind shows up in the latencies (no coordinated omission).
 */
public final class LoadGenerator implements AutoCloseable {

  private static final int MAX_OUTSTANDING = 4096;

  /** How starts reach the coordinator. */
  public enum Via {
    REST,
    KAFKA
  }

  private final URI startUri;
  private final CompletionTracker tracker;
  private final Via via;
  private final KafkaProducer<String, byte[]> producer;
  private final ExecutorService callbacks = Executors.newFixedThreadPool(4, daemon("bench-http"));
  private final HttpClient http;
  private final String runId = Long.toString(System.currentTimeMillis(), 36);
  private final AtomicLong sequence = new AtomicLong();
  private final AtomicLong errors = new AtomicLong();
  private volatile String lastError;

  /** Starts over REST. */
  public LoadGenerator(URI coordinator, CompletionTracker tracker) {
    this(coordinator, tracker, Via.REST, null);
  }

  /** Starts over {@code via}; {@code bootstrapServers} is needed for {@link Via#KAFKA}. */
  public LoadGenerator(
      URI coordinator, CompletionTracker tracker, Via via, String bootstrapServers) {
    this.startUri = coordinator.resolve("/api/sagas/" + BenchSaga.TYPE);
    this.tracker = tracker;
    this.via = via;
    if (via == Via.KAFKA) {
      Map<String, Object> config = new HashMap<>();
      config.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
      config.put(ProducerConfig.ACKS_CONFIG, "all");
      config.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
      config.put(ProducerConfig.LINGER_MS_CONFIG, 0);
      config.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
      config.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
      this.producer = new KafkaProducer<>(config);
    } else {
      this.producer = null;
    }
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
      SagaRecord record = new SagaRecord(t0Micros + (due - t0Nanos) / 1000, fail, nextKey());
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
      SagaRecord record = new SagaRecord(Micros.now(), false, nextKey());
      records.add(record);
      send(record, outstanding);
    }
    outstanding.acquireUninterruptibly(concurrency);
    outstanding.release(concurrency);
    return records;
  }

  private String nextKey() {
    return runId + "-" + sequence.incrementAndGet();
  }

  private void send(SagaRecord record, Semaphore outstanding) {
    String ref = record.key;
    String body = "{\"ref\":\"" + ref + "\",\"failCar\":" + record.failCar + "}";
    if (via == Via.KAFKA) {
      sendToTopic(record, body, outstanding);
      return;
    }
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

  /**
   * Registers the record first (the saga may end before the send's acknowledgement arrives), then
   * publishes the start; a failed send marks the record as a start error.
   */
  private void sendToTopic(SagaRecord record, String body, Semaphore outstanding) {
    tracker.register(record);
    ProducerRecord<String, byte[]> message =
        new ProducerRecord<>(
            Topics.DEFAULT_START_TOPIC, record.key, body.getBytes(StandardCharsets.UTF_8));
    message.headers().add(SagaHeaders.SAGA_TYPE, BenchSaga.TYPE.getBytes(StandardCharsets.UTF_8));
    message.headers().add(SagaHeaders.IDEMPOTENCY_KEY, record.key.getBytes(StandardCharsets.UTF_8));
    producer.send(
        message,
        (metadata, failure) -> {
          record.responseMicros = Micros.now();
          if (failure != null) {
            record.startError = true;
            errors.incrementAndGet();
            lastError = failure.toString();
          }
          outstanding.release();
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
    if (producer != null) {
      producer.close(Duration.ofSeconds(5));
    }
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
