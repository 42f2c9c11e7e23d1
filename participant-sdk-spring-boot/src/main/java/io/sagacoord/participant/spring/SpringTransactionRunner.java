package io.sagacoord.participant.spring;

import io.sagacoord.participant.TransactionRunner;
import java.sql.Connection;
import java.util.Objects;
import javax.sql.DataSource;
import org.springframework.jdbc.datasource.DataSourceUtils;
import org.springframework.transaction.PlatformTransactionManager;
import org.springframework.transaction.TransactionDefinition;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * Runs the SDK's batch transaction through Spring's transaction manager, and each command's
 * savepoint as a nested transaction. The connection is the one bound to the thread, so {@code
 * JdbcTemplate} and {@code @Transactional} code in a handler join the SDK's transaction. A
 * handler's failing {@code @Transactional} method marks only its own nested transaction for
 * rollback: rolling back to the savepoint clears the mark, so the batch still commits.
 */
public final class SpringTransactionRunner implements TransactionRunner {
  private final DataSource dataSource;
  private final TransactionTemplate batch;
  private final TransactionTemplate nested;

  /**
   * @param transactionManager a manager of {@code dataSource} that supports savepoints (for example
   *     {@code DataSourceTransactionManager} or {@code JdbcTransactionManager})
   */
  public SpringTransactionRunner(
      DataSource dataSource, PlatformTransactionManager transactionManager) {
    this.dataSource = Objects.requireNonNull(dataSource, "dataSource");
    Objects.requireNonNull(transactionManager, "transactionManager");
    this.batch = new TransactionTemplate(transactionManager);
    this.batch.setPropagationBehavior(TransactionDefinition.PROPAGATION_REQUIRES_NEW);
    this.nested = new TransactionTemplate(transactionManager);
    this.nested.setPropagationBehavior(TransactionDefinition.PROPAGATION_NESTED);
  }

  @Override
  public <T> T inTransaction(Work<T> work) throws Exception {
    try {
      return batch.execute(
          status -> {
            Connection connection = DataSourceUtils.getConnection(dataSource);
            try {
              return work.run(new NestedTransaction(connection));
            } catch (RuntimeException | Error e) {
              throw e;
            } catch (Exception e) {
              throw new CheckedCarrier(e);
            } finally {
              DataSourceUtils.releaseConnection(connection, dataSource);
            }
          });
    } catch (CheckedCarrier carrier) {
      throw carrier.checked();
    }
  }

  private final class NestedTransaction implements Transaction {
    private final Connection connection;

    NestedTransaction(Connection connection) {
      this.connection = connection;
    }

    @Override
    public Connection connection() {
      return connection;
    }

    @Override
    public <T> T inSavepoint(SavepointWork<T> work) throws Exception {
      try {
        return nested.execute(
            status -> {
              try {
                return work.run();
              } catch (RuntimeException | Error e) {
                throw e;
              } catch (Exception e) {
                throw new CheckedCarrier(e);
              }
            });
      } catch (CheckedCarrier carrier) {
        throw carrier.checked();
      }
    }
  }

  /** Carries a checked exception through Spring's callbacks, which take only unchecked ones. */
  private static final class CheckedCarrier extends RuntimeException {
    CheckedCarrier(Exception cause) {
      super(cause.getMessage(), cause, false, false);
    }

    Exception checked() {
      return (Exception) getCause();
    }
  }
}
