package io.sagacoord.server.internal.circuit;

import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.context.annotation.Configuration;

/** Binds {@code sec.circuit.*}. */
@Configuration(proxyBeanMethods = false)
@EnableConfigurationProperties(CircuitProperties.class)
public class CircuitConfiguration {}
