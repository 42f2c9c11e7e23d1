/**
 * A given/expect harness for saga definition authors: start a saga, expect the commands it sends,
 * answer them, move a settable clock to fire timeouts, back-offs and the deadline, and check the
 * end state, all without infrastructure. Data, commands and replies pass through the {@link
 * io.sagacoord.dsl.engine.JsonCodec} you give, so what cannot be serialised fails here first.
 */
package io.sagacoord.dsl.testing;
