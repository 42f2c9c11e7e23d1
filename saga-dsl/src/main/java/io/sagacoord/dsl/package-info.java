/**
 * The saga DSL: typed, immutable, validated saga definitions. Start with {@link
 * io.sagacoord.dsl.SagaDefinition#named(String, Class)}. The pure engine lives in {@code
 * io.sagacoord.dsl.engine}, the given/expect harness for definition authors in {@code
 * io.sagacoord.dsl.testing}. JDK only.
 */
package io.sagacoord.dsl;
