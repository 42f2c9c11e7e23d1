package io.sagacoord.server.internal.outbox;

import io.sagacoord.server.internal.storage.OutboxRow;
import java.time.Duration;
import java.util.function.Consumer;

/**
 * Sends outbox rows to the broker (implemented by the Kafka adapter): the row's topic, key, payload
 * and headers, as they are stored.
 */
public interface CommandSender {

  /** Makes the sender ready (topics checked or created, client connected); called on each start. */
  void open();

  /**
   * Sends one row without waiting; {@code answer} gets null once the broker acknowledged it, or the
   * error. A send refused at once may throw instead.
   */
  void send(OutboxRow row, Consumer<Exception> answer);

  /** Waits until every row sent so far has been answered (acknowledged or failed). */
  void flush();

  /** Closes the client, waiting at most {@code timeout} for rows still in flight. */
  void close(Duration timeout);
}
