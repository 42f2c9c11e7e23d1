/**
 * Liveness of participants and the coordinator's door: heartbeats from the registry topic, which
 * instances are live or dead (against the coordinator's clock), and the {@link
 * io.sagacoord.server.internal.liveness.StartGate} that refuses a start whose first participant
 * cannot take commands, when its definition says so.
 */
package io.sagacoord.server.internal.liveness;
