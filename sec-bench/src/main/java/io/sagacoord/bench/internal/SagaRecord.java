package io.sagacoord.bench.internal;

import java.util.UUID;

/** One saga the load generator started (or tried to), with what was seen of it. */
public final class SagaRecord {
  /** When the generator meant to send the start, epoch microseconds (open-loop schedule). */
  final long intendedMicros;

  final boolean failCar;
  volatile UUID id;
  volatile long responseMicros;
  volatile boolean startError;
  volatile String status;
  volatile long createdMicros;
  volatile long endMicros;

  SagaRecord(long intendedMicros, boolean failCar) {
    this.intendedMicros = intendedMicros;
    this.failCar = failCar;
  }

  boolean terminal() {
    return status != null;
  }

  synchronized boolean complete(String status, long createdMicros, long endMicros) {
    if (this.status != null) {
      return false;
    }
    this.createdMicros = createdMicros;
    this.endMicros = endMicros;
    this.status = status;
    return true;
  }
}
