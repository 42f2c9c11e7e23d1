package io.sagacoord.participant.internal;

import java.time.Instant;

/** Body of a registry heartbeat: the instance is alive, and sends the next within the interval. */
public record Heartbeat(String participant, String instance, long intervalMs, Instant sentAt) {}
