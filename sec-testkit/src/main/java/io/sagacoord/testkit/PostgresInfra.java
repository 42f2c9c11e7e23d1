package io.sagacoord.testkit;

/**
 * A running PostgreSQL server shared by all tests of one JVM. Tests isolate themselves by asking
 * for a fresh database each.
 */
public interface PostgresInfra {

  /** The result of {@code SELECT version()}, e.g. "PostgreSQL 17.6 on x86_64-pc-linux-gnu, ...". */
  String serverVersion();

  /**
   * Creates a new, empty database named {@code <prefix>_<random suffix>} and returns a handle to
   * it. The prefix must be a lowercase SQL identifier (letters, digits, underscore).
   */
  TestDatabase newDatabase(String prefix);
}
