package io.sagacoord.participant.internal;

import java.time.Instant;
import java.util.List;

/** Body of a registry announcement; {@code heartbeatIntervalMs} is how often heartbeats follow. */
public record Announcement(
    String participant,
    String instance,
    String version,
    List<String> commandTypes,
    List<String> compensationTypes,
    Instant announcedAt,
    long heartbeatIntervalMs) {}
