package io.sagacoord.server.internal.startup;

import java.io.IOException;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.HashSet;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import org.flywaydb.core.Flyway;
import org.flywaydb.core.api.Location;
import org.flywaydb.core.api.MigrationVersion;
import org.flywaydb.core.api.configuration.Configuration;
import org.springframework.boot.flyway.autoconfigure.FlywayMigrationStrategy;
import org.springframework.core.io.Resource;
import org.springframework.core.io.support.PathMatchingResourcePatternResolver;

/**
 * Flyway at start: runs {@code migrate} only when the schema history lacks a migration that the
 * class path ships. A restart against a current schema then costs one query instead of Flyway's
 * scan, checksum validation, history lock and second query; a new or older database migrates as
 * before.
 *
 * <p>It only skips when it can tell for sure: every location is on the class path and holds
 * versioned SQL migrations only (no repeatable, baseline or Java migrations, no SQL callbacks), no
 * Java migrations, resolvers or callbacks are configured, the history table has no failed row, and
 * every shipped version is in it. Otherwise, and on any error reading the history, it migrates.
 * What it skips with the migrate is the checksum validation of applied migrations, which guards
 * against a migration edited after it ran.
 */
public final class MigrateWhenBehind implements FlywayMigrationStrategy {

  private static final Log log = LogFactory.getLog(MigrateWhenBehind.class);

  @Override
  public void migrate(Flyway flyway) {
    Optional<MigrationVersion> newest = nothingPending(flyway.getConfiguration());
    if (newest.isPresent()) {
      log.info(
          "Schema history "
              + flyway.getConfiguration().getTable()
              + " holds every shipped migration (newest "
              + newest.get()
              + "): nothing to migrate");
      return;
    }
    flyway.migrate();
  }

  /**
   * The newest shipped version when every shipped migration is applied successfully; empty when a
   * migrate is needed or cannot be ruled out.
   */
  static Optional<MigrationVersion> nothingPending(Configuration config) {
    if (config.getJavaMigrations().length > 0
        || config.getResolvers().length > 0
        || config.getCallbacks().length > 0
        || config.getLocations().length == 0) {
      return Optional.empty();
    }
    Set<MigrationVersion> shipped = new TreeSet<>();
    for (Location location : config.getLocations()) {
      if (!location.isClassPath() || !versionedOnly(location, config, shipped)) {
        return Optional.empty();
      }
    }
    if (shipped.isEmpty()) {
      return Optional.empty();
    }
    Set<MigrationVersion> applied = applied(config);
    if (applied == null || !applied.containsAll(shipped)) {
      return Optional.empty();
    }
    return Optional.of(((TreeSet<MigrationVersion>) shipped).last());
  }

  /** Adds the versions of the location's migrations; false if it holds anything else. */
  private static boolean versionedOnly(
      Location location, Configuration config, Set<MigrationVersion> versions) {
    PathMatchingResourcePatternResolver resolver =
        new PathMatchingResourcePatternResolver(config.getClassLoader());
    Resource[] resources;
    try {
      resources = resolver.getResources("classpath*:" + location.getRootPath() + "/**/*");
    } catch (IOException e) {
      return false;
    }
    String prefix = config.getSqlMigrationPrefix();
    String separator = config.getSqlMigrationSeparator();
    for (Resource resource : resources) {
      String name = resource.getFilename();
      if (name == null || name.isEmpty() || !resource.isReadable()) {
        continue; // a folder
      }
      String suffix = suffixOf(name, config.getSqlMigrationSuffixes());
      int split = name.indexOf(separator);
      if (suffix == null || !name.startsWith(prefix) || split <= prefix.length()) {
        return false;
      }
      String version = name.substring(prefix.length(), split).replace('_', '.');
      try {
        versions.add(MigrationVersion.fromVersion(version));
      } catch (RuntimeException e) {
        return false;
      }
    }
    return true;
  }

  private static String suffixOf(String name, String[] suffixes) {
    for (String suffix : suffixes) {
      if (name.endsWith(suffix)) {
        return suffix;
      }
    }
    return null;
  }

  /** The versions applied successfully; null if the history is missing, unreadable or failed. */
  private static Set<MigrationVersion> applied(Configuration config) {
    String table = quote(config.getTable());
    String schema = config.getDefaultSchema();
    if (schema == null && config.getSchemas().length > 0) {
      schema = config.getSchemas()[0];
    }
    String qualified = schema == null ? table : quote(schema) + "." + table;
    Set<MigrationVersion> versions = new HashSet<>();
    try (Connection c = config.getDataSource().getConnection();
        Statement s = c.createStatement();
        ResultSet rs =
            s.executeQuery(
                "SELECT version, success FROM " + qualified + " WHERE version IS NOT NULL")) {
      while (rs.next()) {
        if (!rs.getBoolean(2)) {
          return null;
        }
        versions.add(MigrationVersion.fromVersion(rs.getString(1)));
      }
    } catch (SQLException | RuntimeException e) {
      // no history table yet (a new database) or one Flyway should look at itself
      return null;
    }
    return versions;
  }

  private static String quote(String identifier) {
    return "\"" + identifier.replace("\"", "\"\"") + "\"";
  }
}
