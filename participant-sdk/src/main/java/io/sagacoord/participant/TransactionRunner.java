package io.sagacoord.participant;

import io.sagacoord.participant.internal.JdbcTransactionRunner;
import java.sql.Connection;
import javax.sql.DataSource;

/**
 * How the SDK opens the batch transaction and the savepoint of each command. The default, {@link
 * #jdbc(DataSource)}, uses plain JDBC. The Spring Boot module supplies one built on Spring's
 * transaction manager, so that {@code JdbcTemplate} and {@code @Transactional} code inside a
 * handler join the SDK's transaction.
 */
public interface TransactionRunner {

  /**
   * Runs {@code work} in one transaction on one connection: commits when it returns, rolls back
   * when it throws (and rethrows).
   */
  <T> T inTransaction(Work<T> work) throws Exception;

  /** Plain JDBC: a connection from the data source, auto-commit off, closed afterwards. */
  static TransactionRunner jdbc(DataSource dataSource) {
    return new JdbcTransactionRunner(dataSource);
  }

  /** Work inside the transaction. */
  @FunctionalInterface
  interface Work<T> {
    T run(Transaction transaction) throws Exception;
  }

  /** Work inside a savepoint. */
  @FunctionalInterface
  interface SavepointWork<T> {
    T run() throws Exception;
  }

  /** An open transaction. */
  interface Transaction {

    /** The transaction's connection; callers never commit, roll back or close it. */
    Connection connection();

    /**
     * Runs {@code work} under a savepoint: if it throws, everything it did is rolled back, the
     * transaction stays usable and the exception is rethrown.
     */
    <T> T inSavepoint(SavepointWork<T> work) throws Exception;
  }
}
