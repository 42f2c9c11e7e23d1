package io.sagacoord.bench.internal;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Semaphore;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.HdrHistogram.Histogram;
import org.HdrHistogram.Recorder;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;

/** The machine's own capacity, measured with the same Postgres and Kafka the sagas use. */
final class Ceiling {
  private Ceiling() {}

  /**
   * What a ceiling run measured: operations per second, the latency of each operation
   * (microseconds) over the measured window, the operations in it, and the CPU seconds each part
   * ({@link CpuMeter#driverAndPostgres()}) used in it (empty where {@code /proc} is not readable).
   */
  record Measured(
      double perSecond, Histogram latencyMicros, long operations, Map<String, Double> cpuSeconds) {
    double p50Millis() {
      return latencyMicros.getValueAtPercentile(50) / 1000.0;
    }

    double p99Millis() {
      return latencyMicros.getValueAtPercentile(99) / 1000.0;
    }

    /** CPU milliseconds per operation of these parts together; null when not measured. */
    Double cpuMillisPerOperation(String... parts) {
      if (operations == 0 || cpuSeconds.isEmpty()) {
        return null;
      }
      double seconds = 0;
      for (String part : parts) {
        seconds += cpuSeconds.getOrDefault(part, 0.0);
      }
      return seconds * 1000 / operations;
    }
  }

  /** CPU seconds per part between two readings of {@link CpuMeter#driverAndPostgres()}. */
  private static Map<String, Double> cpuBetween(
      Map<String, Double> before, Map<String, Double> after) {
    Map<String, Double> used = new java.util.TreeMap<>();
    if (before.isEmpty() || after.isEmpty()) {
      return used;
    }
    for (Map.Entry<String, Double> e : after.entrySet()) {
      used.put(e.getKey(), Math.max(0, e.getValue() - before.getOrDefault(e.getKey(), 0.0)));
    }
    return used;
  }

  /**
   * Single-row autocommit inserts with {@code clients} connections: commits per second and the
   * latency of one commit (a round trip to Postgres and its WAL flush).
   */
  static Measured postgresCommits(
      BenchCluster cluster, int clients, Duration warmup, Duration measure, CpuMeter cpu)
      throws Exception {
    String url = cluster.ceilingJdbc();
    try (Connection c = cluster.connect(url);
        Statement s = c.createStatement()) {
      s.execute("DROP TABLE IF EXISTS ceiling");
      s.execute("CREATE TABLE ceiling (id bigserial PRIMARY KEY, v varchar(64) NOT NULL)");
    }
    AtomicBoolean counting = new AtomicBoolean();
    AtomicBoolean stop = new AtomicBoolean();
    AtomicLong commits = new AtomicLong();
    Recorder latency = new Recorder(3);
    List<Thread> threads = new ArrayList<>();
    List<Exception> failures = new ArrayList<>();
    for (int i = 0; i < clients; i++) {
      Thread t =
          new Thread(
              () -> {
                try (Connection c = cluster.connect(url);
                    PreparedStatement insert =
                        c.prepareStatement("INSERT INTO ceiling (v) VALUES (?)")) {
                  c.setAutoCommit(true);
                  long n = 0;
                  while (!stop.get()) {
                    insert.setString(1, "row-" + n++);
                    long sent = System.nanoTime();
                    insert.executeUpdate();
                    if (counting.get()) {
                      commits.incrementAndGet();
                      latency.recordValue((System.nanoTime() - sent) / 1000);
                    }
                  }
                } catch (SQLException e) {
                  synchronized (failures) {
                    failures.add(e);
                  }
                }
              },
              "pg-ceiling-" + i);
      threads.add(t);
      t.start();
    }
    Thread.sleep(warmup.toMillis());
    latency.reset();
    Map<String, Double> cpuBefore = cpu.driverAndPostgres();
    counting.set(true);
    long t0 = System.nanoTime();
    Thread.sleep(measure.toMillis());
    counting.set(false);
    long n = commits.get();
    double seconds = (System.nanoTime() - t0) / 1e9;
    Map<String, Double> cpuUsed = cpuBetween(cpuBefore, cpu.driverAndPostgres());
    stop.set(true);
    for (Thread t : threads) {
      t.join();
    }
    if (!failures.isEmpty()) {
      throw new BenchException("postgres ceiling failed: " + failures.get(0), failures.get(0));
    }
    return new Measured(n / seconds, latency.getIntervalHistogram(), n, cpuUsed);
  }

  /**
   * Command/reply round trips with {@code inFlight} outstanding: a requester produces commands
   * (acks=all, idempotent, like the coordinator), an echo consumes them and produces a reply each
   * (like a participant), the requester consumes the replies. Round trips per second, and the time
   * from a command's send to its reply's receipt (the send time travels in the payload).
   */
  static Measured kafkaRoundTrips(
      String bootstrap, int inFlight, Duration warmup, Duration measure, CpuMeter cpu)
      throws Exception {
    String suffix = Long.toString(System.nanoTime(), 36);
    String commands = "bench.ceiling.commands." + suffix;
    String replies = "bench.ceiling.replies." + suffix;
    int partitions = 3;
    try (Admin admin = Admin.create(Map.of("bootstrap.servers", bootstrap))) {
      admin
          .createTopics(
              List.of(
                  new NewTopic(commands, partitions, (short) 1),
                  new NewTopic(replies, partitions, (short) 1)))
          .all()
          .get();
    }
    AtomicBoolean stop = new AtomicBoolean();
    AtomicBoolean counting = new AtomicBoolean();
    AtomicLong roundTrips = new AtomicLong();
    Recorder latency = new Recorder(3);
    Semaphore window = new Semaphore(inFlight);
    // one at a time: no waiting for more records to batch, so the latency is the path's own
    int lingerMs = inFlight == 1 ? 0 : 1;

    Thread echo =
        new Thread(
            () -> {
              try (KafkaConsumer<String, byte[]> consumer = consumer(bootstrap, "echo-" + suffix);
                  KafkaProducer<String, byte[]> producer = producer(bootstrap, lingerMs)) {
                List<TopicPartition> tps = partitions(commands, partitions);
                consumer.assign(tps);
                consumer.seekToBeginning(tps);
                while (!stop.get()) {
                  var records = consumer.poll(Duration.ofMillis(50));
                  for (ConsumerRecord<String, byte[]> r : records) {
                    producer.send(new ProducerRecord<>(replies, r.key(), r.value()));
                  }
                  if (!records.isEmpty()) {
                    producer.flush();
                    consumer.commitAsync();
                  }
                }
              }
            },
            "kafka-ceiling-echo");
    Thread intake =
        new Thread(
            () -> {
              try (KafkaConsumer<String, byte[]> consumer = consumer(bootstrap, "req-" + suffix)) {
                List<TopicPartition> tps = partitions(replies, partitions);
                consumer.assign(tps);
                consumer.seekToBeginning(tps);
                while (!stop.get()) {
                  var records = consumer.poll(Duration.ofMillis(50));
                  int n = records.count();
                  if (n > 0) {
                    if (counting.get()) {
                      roundTrips.addAndGet(n);
                      long now = System.nanoTime();
                      for (ConsumerRecord<String, byte[]> r : records) {
                        latency.recordValue(
                            Math.max(0, now - java.nio.ByteBuffer.wrap(r.value()).getLong())
                                / 1000);
                      }
                    }
                    window.release(n);
                  }
                }
              }
            },
            "kafka-ceiling-intake");
    echo.start();
    intake.start();
    Thread.sleep(2000); // both consumers assigned
    Thread sender =
        new Thread(
            () -> {
              try (KafkaProducer<String, byte[]> producer = producer(bootstrap, lingerMs)) {
                long n = 0;
                while (!stop.get()) {
                  if (window.tryAcquire(100, java.util.concurrent.TimeUnit.MILLISECONDS)) {
                    // 200 bytes, the first 8 the send time
                    byte[] payload =
                        java.nio.ByteBuffer.allocate(200).putLong(System.nanoTime()).array();
                    producer.send(new ProducerRecord<>(commands, "k" + (n++ % 1024), payload));
                  }
                }
              } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
              }
            },
            "kafka-ceiling-sender");
    sender.start();
    Thread.sleep(warmup.toMillis());
    latency.reset();
    Map<String, Double> cpuBefore = cpu.driverAndPostgres();
    counting.set(true);
    long t0 = System.nanoTime();
    Thread.sleep(measure.toMillis());
    counting.set(false);
    double seconds = (System.nanoTime() - t0) / 1e9;
    long n = roundTrips.get();
    Map<String, Double> cpuUsed = cpuBetween(cpuBefore, cpu.driverAndPostgres());
    stop.set(true);
    sender.join();
    echo.join();
    intake.join();
    return new Measured(n / seconds, latency.getIntervalHistogram(), n, cpuUsed);
  }

  private static List<TopicPartition> partitions(String topic, int n) {
    List<TopicPartition> tps = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      tps.add(new TopicPartition(topic, i));
    }
    return tps;
  }

  private static KafkaProducer<String, byte[]> producer(String bootstrap, int lingerMs) {
    Map<String, Object> p = new HashMap<>();
    p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
    p.put(ProducerConfig.ACKS_CONFIG, "all");
    p.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
    p.put(ProducerConfig.LINGER_MS_CONFIG, lingerMs);
    p.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class);
    p.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class);
    return new KafkaProducer<>(p);
  }

  private static KafkaConsumer<String, byte[]> consumer(String bootstrap, String group) {
    Map<String, Object> c = new HashMap<>();
    c.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
    c.put(ConsumerConfig.GROUP_ID_CONFIG, group);
    c.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
    c.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
    c.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class);
    c.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class);
    return new KafkaConsumer<>(c);
  }

  static long kafkaLogBytes(String bootstrap, Collection<String> ignoredPrefixes) throws Exception {
    try (Admin admin = Admin.create(Map.of("bootstrap.servers", bootstrap))) {
      var nodes = admin.describeCluster().nodes().get();
      List<Integer> ids = nodes.stream().map(n -> n.id()).toList();
      long total = 0;
      for (var byBroker : admin.describeLogDirs(ids).allDescriptions().get().values()) {
        for (var dir : byBroker.values()) {
          for (var e : dir.replicaInfos().entrySet()) {
            String topic = e.getKey().topic();
            if (ignoredPrefixes.stream().noneMatch(topic::startsWith)) {
              total += e.getValue().size();
            }
          }
        }
      }
      return total;
    }
  }
}
