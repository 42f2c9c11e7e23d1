package io.sagacoord.server.internal.kafka;

import io.sagacoord.server.config.SecApiProperties;
import io.sagacoord.server.config.SecProperties;
import io.sagacoord.server.internal.registry.CommandTopics;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.DescribeClusterResult;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.common.errors.TopicExistsException;
import org.springframework.beans.factory.DisposableBean;
import org.springframework.stereotype.Component;

/**
 * Creates or checks the coordinator's topics (the reply topic, the start topic, the registry topic
 * it reads participants' announcements from, and every participant command topic of the loaded
 * definitions) with {@code sec.kafka.partitions} partitions, and backs the Kafka health indicator.
 * Its admin client is the coordinator's only one: {@link ReplyWatermark} asks through it too (one
 * client fewer to start, connect and close).
 */
@Component
public class TopicAdmin implements DisposableBean {

  private static final Log log = LogFactory.getLog(TopicAdmin.class);

  private final SecProperties properties;
  private final SecApiProperties api;
  private final CommandTopics commandTopics;
  private final Admin admin;
  private volatile boolean ensured;

  public TopicAdmin(SecProperties properties, SecApiProperties api, CommandTopics commandTopics) {
    this.properties = properties;
    this.api = api;
    this.commandTopics = commandTopics;
    this.admin = Admin.create(KafkaClients.admin(properties));
  }

  /** Idempotent: creates missing topics once per process; existing topics are left as they are. */
  public synchronized void ensureTopics() {
    if (ensured || !properties.kafka().createTopics()) {
      return;
    }
    Set<String> names = new LinkedHashSet<>();
    names.add(properties.kafka().replyTopic());
    if (properties.kafka().startConsumer()) {
      names.add(properties.kafka().startTopic());
    }
    // the registry consumer subscribes at start: before any participant has announced itself
    names.add(api.registryTopic());
    names.addAll(commandTopics.commandTopics());
    try {
      Set<String> existing = admin.listTopics().names().get(30, TimeUnit.SECONDS);
      List<NewTopic> missing = new ArrayList<>();
      for (String name : names) {
        if (!existing.contains(name)) {
          missing.add(
              new NewTopic(
                  name, properties.kafka().partitions(), properties.kafka().replicationFactor()));
        }
      }
      if (!missing.isEmpty()) {
        for (Map.Entry<String, org.apache.kafka.common.KafkaFuture<Void>> result :
            admin.createTopics(missing).values().entrySet()) {
          try {
            result.getValue().get(30, TimeUnit.SECONDS);
            log.info("Created topic " + result.getKey());
          } catch (ExecutionException e) {
            if (!(e.getCause() instanceof TopicExistsException)) {
              throw e;
            }
          }
        }
      }
      ensured = true;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("Interrupted while creating topics", e);
    } catch (Exception e) {
      throw new IllegalStateException("Could not create or check the topics " + names, e);
    }
  }

  /** The admin client, closed by this bean. */
  Admin admin() {
    return admin;
  }

  /** Describes the cluster (for the health indicator); throws if the broker does not answer. */
  public ClusterInfo describeCluster() throws Exception {
    DescribeClusterResult result = admin.describeCluster();
    return new ClusterInfo(
        result.clusterId().get(5, TimeUnit.SECONDS),
        result.nodes().get(5, TimeUnit.SECONDS).size());
  }

  /** What the health indicator reports. */
  public record ClusterInfo(String clusterId, int nodes) {}

  @Override
  public void destroy() {
    admin.close(java.time.Duration.ofSeconds(5));
  }
}
