package io.sagacoord.dsl;

import java.util.List;

/**
 * A {@link java.util.ServiceLoader} SPI through which an application hands its saga definitions to
 * the coordinator: list the implementation in {@code
 * META-INF/services/io.sagacoord.dsl.SagaDefinitionProvider}.
 */
public interface SagaDefinitionProvider {
  /** The definitions, each name and version at most once. */
  List<SagaDefinition<?>> definitions();
}
