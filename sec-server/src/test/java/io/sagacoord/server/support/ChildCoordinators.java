package io.sagacoord.server.support;

import io.sagacoord.testkit.JavaProcess;
import io.sagacoord.testkit.KafkaInfra;
import io.sagacoord.testkit.TestDatabase;
import java.time.Duration;
import java.util.Map;

/** Starts {@link ChildCoordinatorMain} as a separate JVM and waits until it is up. */
public final class ChildCoordinators {
  private ChildCoordinators() {}

  public static JavaProcess start(
      String name,
      String instanceId,
      int port,
      TestDatabase db,
      KafkaInfra kafka,
      String suffix,
      String replyTopic,
      Map<String, String> extra) {
    JavaProcess.Builder builder =
        JavaProcess.builder(ChildCoordinatorMain.class.getName())
            .name(name)
            .systemProperty("test.suffix", suffix)
            .systemProperty("spring.datasource.url", db.jdbcUrl())
            .systemProperty("spring.datasource.username", db.username())
            .systemProperty("spring.datasource.password", db.password())
            .systemProperty("sec.embedded", "false")
            .systemProperty("sec.kafka.bootstrap-servers", kafka.bootstrapServers())
            .systemProperty("sec.kafka.reply-topic", replyTopic)
            .systemProperty("sec.kafka.start-topic", replyTopic + "-starts")
            .systemProperty("sec.kafka.consumer-group", "sec-" + replyTopic)
            .systemProperty("sec.instance-id", instanceId)
            .systemProperty("sec.timers.poll-interval", "100ms")
            .systemProperty("sec.outbox.poll-interval", "300ms")
            .systemProperty("server.port", Integer.toString(port))
            .systemProperty("sec.security.api-keys[0].name", "test-admin")
            .systemProperty("sec.security.api-keys[0].sha256", RunningCoordinator.adminKeySha256())
            .systemProperty("sec.security.api-keys[0].roles", "ADMIN")
            .jvmArg("-Xmx384m")
            .jvmArg("-XX:TieredStopAtLevel=1");
    if (extra.keySet().stream().noneMatch(k -> k.startsWith("sec.circuit."))) {
      // as RunningCoordinator: circuits only where a test sets sec.circuit.* settings
      builder.systemProperty("sec.circuit.enabled", "false");
    }
    extra.forEach(builder::systemProperty);
    JavaProcess child = builder.start();
    try {
      child.awaitLogLine("Started ChildCoordinatorMain", Duration.ofSeconds(90));
    } catch (RuntimeException e) {
      if (extra.containsKey("sec.test.crash-point")
          && !child.isAlive()
          && child.waitForExit(Duration.ofSeconds(1)) == 137) {
        // halted at its crash point before "Started": the reply consumers start before the rest
        // of the context and may apply the replies left by the previous crash that early
        return child;
      }
      child.close();
      throw e;
    }
    return child;
  }
}
