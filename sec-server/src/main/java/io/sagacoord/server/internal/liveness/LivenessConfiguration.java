package io.sagacoord.server.internal.liveness;

import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.context.annotation.Configuration;

/** Binds {@link LivenessProperties}. */
@Configuration(proxyBeanMethods = false)
@EnableConfigurationProperties(LivenessProperties.class)
class LivenessConfiguration {}
