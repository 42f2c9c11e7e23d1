package io.sagacoord.server;

import io.sagacoord.server.config.SecProperties;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.boot.context.properties.EnableConfigurationProperties;

/** The saga execution coordinator. */
@SpringBootApplication
@EnableConfigurationProperties(SecProperties.class)
public class SecApplication {

  public static void main(String[] args) {
    SpringApplication.run(SecApplication.class, args);
  }
}
