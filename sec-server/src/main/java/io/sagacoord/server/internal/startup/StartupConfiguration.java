package io.sagacoord.server.internal.startup;

import org.springframework.boot.flyway.autoconfigure.FlywayMigrationStrategy;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/** Start-up work done only when needed. */
@Configuration(proxyBeanMethods = false)
class StartupConfiguration {

  /** Flyway's migrate only when a shipped migration is missing from the schema history. */
  @Bean
  FlywayMigrationStrategy migrateWhenBehind() {
    return new MigrateWhenBehind();
  }
}
