package io.sagacoord.server.internal.liveness;

/** What the coordinator knows of an instance's liveness. */
public enum InstanceLiveness {
  /** Heard from within the allowed number of heartbeat intervals. */
  LIVE,
  /** Missed the allowed number of heartbeats. */
  DEAD,
  /** Announced no heartbeat interval (sends no heartbeats): not judged. */
  UNKNOWN
}
