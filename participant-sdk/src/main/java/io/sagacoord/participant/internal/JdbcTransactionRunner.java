package io.sagacoord.participant.internal;

import io.sagacoord.participant.TransactionRunner;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Savepoint;
import java.util.Objects;
import javax.sql.DataSource;

/** Plain JDBC transactions and savepoints. */
public final class JdbcTransactionRunner implements TransactionRunner {
  private final DataSource dataSource;

  public JdbcTransactionRunner(DataSource dataSource) {
    this.dataSource = Objects.requireNonNull(dataSource, "dataSource");
  }

  @Override
  public <T> T inTransaction(Work<T> work) throws Exception {
    try (Connection connection = dataSource.getConnection()) {
      boolean autoCommit = connection.getAutoCommit();
      connection.setAutoCommit(false);
      try {
        T result = work.run(new JdbcTransaction(connection));
        connection.commit();
        return result;
      } catch (Throwable e) {
        try {
          connection.rollback();
        } catch (SQLException rollbackFailure) {
          e.addSuppressed(rollbackFailure);
        }
        throw e;
      } finally {
        // a pooled connection goes back as it came
        restoreAutoCommit(connection, autoCommit);
      }
    }
  }

  private static void restoreAutoCommit(Connection connection, boolean autoCommit) {
    try {
      connection.setAutoCommit(autoCommit);
    } catch (SQLException ignored) {
      // the pool validates the connection on its next use
    }
  }

  private record JdbcTransaction(Connection connection) implements Transaction {
    @Override
    public <T> T inSavepoint(SavepointWork<T> work) throws Exception {
      Savepoint savepoint = connection.setSavepoint();
      T result;
      try {
        result = work.run();
      } catch (Throwable e) {
        try {
          connection.rollback(savepoint);
        } catch (SQLException rollbackFailure) {
          e.addSuppressed(rollbackFailure);
        }
        throw e;
      }
      // not released: a RELEASE would cost a round trip per command, and the commit releases
      // every savepoint of the transaction anyway. Rolling back to a later savepoint never needs
      // an earlier one to be gone.
      return result;
    }
  }
}
