package io.sagacoord.server.support;

import io.sagacoord.testkit.TestDatabase;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import org.springframework.jdbc.core.simple.JdbcClient;

/**
 * Keeps every writer out of {@code saga_instance} while open: a transaction holding the table in
 * SHARE mode, so reads go on and a start waits at its insert until {@link #release}.
 */
public final class InstanceWriteBlock implements AutoCloseable {

  private final Connection connection;

  private InstanceWriteBlock(Connection connection) {
    this.connection = connection;
  }

  public static InstanceWriteBlock hold(TestDatabase db) throws SQLException {
    Connection c = DriverManager.getConnection(db.jdbcUrl(), db.username(), db.password());
    c.setAutoCommit(false);
    try (Statement st = c.createStatement()) {
      st.execute("LOCK TABLE saga_instance IN SHARE MODE");
    }
    return new InstanceWriteBlock(c);
  }

  /** How many lock requests on {@code saga_instance} wait. */
  public static long waiting(JdbcClient jdbc) {
    return jdbc.sql(
            "SELECT count(*) FROM pg_locks l JOIN pg_class c ON c.oid = l.relation"
                + " WHERE c.relname = 'saga_instance' AND NOT l.granted")
        .query(Long.class)
        .single();
  }

  /** Lets the writers go on. */
  public void release() throws SQLException {
    connection.rollback();
  }

  @Override
  public void close() throws SQLException {
    connection.close();
  }
}
