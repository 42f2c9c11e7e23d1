/**
 * The saga wire protocol shared by the coordinator and participants: header names, the topic-naming
 * rule, message kinds, phases and reply outcomes. JDK only. The full contract, including the JSON
 * bodies, is in {@code docs/protocol.md}.
 */
package io.sagacoord.protocol;
