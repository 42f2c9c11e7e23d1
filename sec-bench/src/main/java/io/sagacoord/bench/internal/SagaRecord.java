package io.sagacoord.bench.internal;

import java.util.UUID;

/** One saga the load generator started (or tried to), with what was seen of it. */
public final class SagaRecord {
  /** When the generator meant to send the start, epoch microseconds (open-loop schedule). */
  final long intendedMicros;

  final boolean failCar;

  /** The idempotency key of its start: how the tracker finds it, whichever way it started. */
  final String key;

  volatile UUID id;
  volatile long responseMicros;
  volatile boolean startError;
  volatile String status;
  volatile long createdMicros;
  volatile long endMicros;

  SagaRecord(long intendedMicros, boolean failCar, String key) {
    this.intendedMicros = intendedMicros;
    this.failCar = failCar;
    this.key = key;
  }

  boolean terminal() {
    return status != null;
  }

  synchronized boolean complete(UUID id, String status, long createdMicros, long endMicros) {
    if (this.status != null) {
      return false;
    }
    this.id = id;
    this.createdMicros = createdMicros;
    this.endMicros = endMicros;
    this.status = status;
    return true;
  }
}
