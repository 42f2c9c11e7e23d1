package io.sagacoord.participant.internal;

import java.time.Instant;
import java.util.List;

/** Body of a registry announcement. */
public record Announcement(
    String participant,
    String instance,
    String version,
    List<String> commandTypes,
    List<String> compensationTypes,
    Instant announcedAt) {}
