package io.sagacoord.server.internal.kafka;

import org.springframework.boot.health.contributor.AbstractHealthIndicator;
import org.springframework.boot.health.contributor.Health;
import org.springframework.stereotype.Component;

/** Kafka is up when the admin client can describe the cluster within a few seconds. */
@Component("kafka")
public class KafkaHealthIndicator extends AbstractHealthIndicator {

  private final TopicAdmin admin;

  public KafkaHealthIndicator(TopicAdmin admin) {
    super("Kafka health check failed");
    this.admin = admin;
  }

  @Override
  protected void doHealthCheck(Health.Builder builder) throws Exception {
    TopicAdmin.ClusterInfo info = admin.describeCluster();
    builder.up().withDetail("clusterId", info.clusterId()).withDetail("nodes", info.nodes());
  }
}
