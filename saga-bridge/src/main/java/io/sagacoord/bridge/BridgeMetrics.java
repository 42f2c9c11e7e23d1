package io.sagacoord.bridge;

import java.util.concurrent.atomic.AtomicLong;

/** Counters of the calls the bridge made to its service since start. */
public final class BridgeMetrics {
  final AtomicLong calls = new AtomicLong();
  final AtomicLong failedCalls = new AtomicLong();
  final AtomicLong retries = new AtomicLong();

  /** HTTP calls made (each retry counts). */
  public long calls() {
    return calls.get();
  }

  /** Calls that gave no outcome (connection error, timeout, 5xx, bad answer). */
  public long failedCalls() {
    return failedCalls.get();
  }

  /** Calls made again after a failed one. */
  public long retries() {
    return retries.get();
  }
}
