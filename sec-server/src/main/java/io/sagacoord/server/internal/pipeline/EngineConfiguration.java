package io.sagacoord.server.internal.pipeline;

import io.sagacoord.dsl.engine.ParticipantGate;
import io.sagacoord.dsl.engine.SagaEngine;
import io.sagacoord.json.jackson.JacksonJsonCodec;
import java.time.Clock;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import tools.jackson.databind.ObjectMapper;

/**
 * The pure engine, with the {@link ParticipantGate} bean if there is one, and the clock every
 * component reads time from.
 */
@Configuration(proxyBeanMethods = false)
public class EngineConfiguration {

  @Bean
  @ConditionalOnMissingBean
  public Clock clock() {
    return Clock.systemUTC();
  }

  @Bean
  public SagaEngine sagaEngine(ObjectMapper json, ObjectProvider<ParticipantGate> gate) {
    // the gate (the participants' circuits) decides whether a command may go out now
    return new SagaEngine(
        new JacksonJsonCodec(json), gate.getIfAvailable(() -> ParticipantGate.ALWAYS_OPEN));
  }
}
