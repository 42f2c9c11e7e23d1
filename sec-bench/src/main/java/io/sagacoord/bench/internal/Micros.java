package io.sagacoord.bench.internal;

import java.time.Instant;
import java.time.OffsetDateTime;

/** Epoch microseconds, the unit all benchmark timestamps are kept in. */
final class Micros {
  private Micros() {}

  static long now() {
    return of(Instant.now());
  }

  static long of(Instant instant) {
    return instant.getEpochSecond() * 1_000_000L + instant.getNano() / 1_000;
  }

  static long of(OffsetDateTime time) {
    return of(time.toInstant());
  }

  static Instant toInstant(long micros) {
    return Instant.ofEpochSecond(
        Math.floorDiv(micros, 1_000_000L), Math.floorMod(micros, 1_000_000L) * 1_000L);
  }
}
