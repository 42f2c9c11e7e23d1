package io.sagacoord.server.internal.storage;

import io.sagacoord.testkit.SagaInfra;
import io.sagacoord.testkit.TestDatabase;
import org.flywaydb.core.Flyway;

/** A database of its own for a storage test, with the coordinator's schema migrated. */
public final class SecSchema {

  private SecSchema() {}

  public static TestDatabase newDatabase(String name) {
    TestDatabase db = SagaInfra.postgres().newDatabase(name);
    Flyway.configure()
        .dataSource(db.dataSource())
        .locations("classpath:db/sec")
        .table("sec_schema_history")
        .load()
        .migrate();
    return db;
  }
}
