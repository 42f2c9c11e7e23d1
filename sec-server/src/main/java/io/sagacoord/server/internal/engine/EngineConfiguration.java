package io.sagacoord.server.internal.engine;

import io.sagacoord.dsl.engine.SagaEngine;
import io.sagacoord.json.jackson.JacksonJsonCodec;
import io.sagacoord.server.internal.circuit.ParticipantCircuits;
import java.time.Clock;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import tools.jackson.databind.ObjectMapper;

/** The pure engine and the clock every component reads time from. */
@Configuration(proxyBeanMethods = false)
public class EngineConfiguration {

  @Bean
  @ConditionalOnMissingBean
  public Clock clock() {
    return Clock.systemUTC();
  }

  @Bean
  public SagaEngine sagaEngine(ObjectMapper json, ParticipantCircuits circuits) {
    // the circuits decide whether a command may go to its participant now
    return new SagaEngine(new JacksonJsonCodec(json), circuits);
  }
}
