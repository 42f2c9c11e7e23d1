package io.sagacoord.server.internal.start;

/**
 * How far this coordinator's reply intake is behind: replies on its partitions of the reply topic
 * not yet read. Starts give way to them ({@link StartAdmission}).
 */
public interface ReplyBacklog {

  /** Replies waiting on this coordinator's reply partitions, as of each consumer's last poll. */
  long repliesWaiting();
}
