package io.sagacoord.server.config;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.util.unit.DataSize;

/**
 * Settings of the REST API, under the prefix {@code sec.api}; see {@code docs/operations.md}.
 *
 * @param maxBodySize request bodies above this size are refused with 413; default 1MB
 * @param defaultPageSize page size of list endpoints without {@code limit}; default 50
 * @param maxPageSize largest accepted {@code limit} (above: 400); default 500
 * @param registryTopic topic of participant announcements; default {@code saga.registry}
 * @param registryEnabled read the registry topic into {@code saga_participant}; default true
 */
@ConfigurationProperties("sec.api")
public record SecApiProperties(
    @DefaultValue("1MB") DataSize maxBodySize,
    @DefaultValue("50") int defaultPageSize,
    @DefaultValue("500") int maxPageSize,
    @DefaultValue(io.sagacoord.protocol.Topics.DEFAULT_REGISTRY_TOPIC) String registryTopic,
    @DefaultValue("true") boolean registryEnabled) {

  public SecApiProperties {
    if (maxBodySize == null || maxBodySize.toBytes() <= 0) {
      throw new IllegalArgumentException("sec.api.max-body-size must be positive");
    }
    if (defaultPageSize <= 0) {
      throw new IllegalArgumentException("sec.api.default-page-size must be positive");
    }
    if (maxPageSize < defaultPageSize) {
      throw new IllegalArgumentException(
          "sec.api.max-page-size must be at least sec.api.default-page-size");
    }
    if (registryTopic == null || registryTopic.isBlank()) {
      throw new IllegalArgumentException("sec.api.registry-topic must not be blank");
    }
  }
}
