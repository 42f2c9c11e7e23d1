package io.sagacoord.participant.internal;

import io.sagacoord.participant.InboxMigrationException;
import javax.sql.DataSource;
import org.flywaydb.core.Flyway;

/**
 * Migrates the inbox table with its own Flyway history table, so it never clashes with the
 * service's own migrations in the same schema.
 */
public final class InboxMigrator {
  public static final String LOCATION = "classpath:db/participant";
  public static final String HISTORY_TABLE = "participant_schema_history";

  private InboxMigrator() {}

  public static void migrate(String participant, DataSource dataSource) {
    try {
      Flyway.configure(InboxMigrator.class.getClassLoader())
          .dataSource(dataSource)
          .locations(LOCATION)
          .table(HISTORY_TABLE)
          // the service's schema is usually not empty: start our own history at version 0
          .baselineOnMigrate(true)
          .baselineVersion("0")
          .load()
          .migrate();
    } catch (RuntimeException e) {
      throw new InboxMigrationException(participant, e);
    }
  }
}
