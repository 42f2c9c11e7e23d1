package io.sagacoord.images.base;

import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.DigestOutputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import java.util.zip.GZIPOutputStream;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * Makes the base image of the coordinator's, the bridge's and the example services' images with no
 * registry and no container engine, from what the build machine has:
 *
 * <ul>
 *   <li>a Java runtime at {@code /opt/java/openjdk}, linked with {@code jlink} from the JDK that
 *       runs the build, holding only the modules given (the desktop module's native libraries are
 *       left out: the programs use {@code java.beans}, never AWT);
 *   <li>the shared libraries that runtime needs ({@code ldd} of each of its programs and libraries:
 *       the C library, the dynamic loader, libz, ...), plus the ones the C library loads on its own
 *       ({@code libgcc_s} for thread exit, the name service modules), copied from the build machine
 *       at their paths there;
 *   <li>{@code /etc/passwd} and {@code /etc/group} with root and the user {@code app} (1000:1000),
 *       {@code /etc/nsswitch.conf}, {@code /tmp} (mode 1777), and from the build machine when it
 *       has them its CA certificate bundle and the C library's C.UTF-8 locale.
 * </ul>
 *
 * <p>The result is one archive that is both a {@code docker save} archive ({@code manifest.json},
 * which Jib reads for a {@code tar://} base image and {@code docker load} takes) and an OCI image
 * layout ({@code index.json}, for {@code podman load} and {@code skopeo}). Its one layer is written
 * with fixed times and owners in name order, so the same JDK and libraries give the same image.
 *
 * <p>Arguments: {@code --output=<tar> --work=<dir> --modules=<m1,m2,...> --name=<repository:tag>}.
 */
public final class BaseImageBuilder {

  /** Where the runtime lives in the image: where the eclipse-temurin images keep theirs too. */
  static final String JAVA_HOME = "opt/java/openjdk";

  /** Native libraries of java.desktop that need X11, fonts, sound or image libraries. */
  private static final List<String> DESKTOP_LIBRARIES =
      List.of(
          "libawt_xawt.so",
          "libfontmanager.so",
          "libjavajpeg.so",
          "libjawt.so",
          "libjsound.so",
          "liblcms.so",
          "libmlib_image.so",
          "libsplashscreen.so");

  /**
   * Libraries that the C library opens itself at run time, so {@code ldd} does not list them:
   * libgcc_s when a thread exits or is cancelled, the name service and resolver modules for users
   * and host names. Taken from the C library's directory when present there.
   */
  private static final List<String> LOADED_BY_LIBC =
      List.of(
          "libgcc_s.so.1",
          "libnss_files.so.2",
          "libnss_dns.so.2",
          "libresolv.so.2",
          "libpthread.so.0",
          "libdl.so.2",
          "librt.so.1",
          "libm.so.6");

  /**
   * The C library's C.UTF-8 locale (glibc 2.35 and later load it from here): with it and {@code
   * LANG=C.UTF-8} the JVM encodes file names and its default charset in UTF-8.
   */
  private static final Path UTF8_LOCALE = Path.of("/usr/lib/locale/C.utf8");

  private static final Pattern LDD_PATH = Pattern.compile("(?:=>\\s+|^\\s*)(/\\S+)\\s+\\(0x");
  private static final String CREATED = "1970-01-01T00:00:00Z";
  private static final String LAYER_MEDIA_TYPE = "application/vnd.oci.image.layer.v1.tar+gzip";

  private BaseImageBuilder() {}

  public static void main(String[] args) throws IOException, InterruptedException {
    Map<String, String> options = options(args);
    Path output = Path.of(required(options, "output")).toAbsolutePath();
    Path work = Path.of(required(options, "work")).toAbsolutePath();
    List<String> modules =
        Arrays.stream(required(options, "modules").split(","))
            .map(String::trim)
            .filter(m -> !m.isEmpty())
            .toList();
    String name = required(options, "name");

    Path stampFile = output.resolveSibling(output.getFileName() + ".inputs");
    List<String> inputs = inputs(modules, name);
    if (Files.exists(output) && BuildStamp.upToDate(stampFile, inputs)) {
      System.out.printf("base image %s: %s is up to date%n", name, output);
      return;
    }
    long started = System.nanoTime();
    deleteTree(work);
    Files.createDirectories(work);
    Path runtime = link(modules, work.resolve("runtime"));
    long linked = System.nanoTime();
    RootFs root = new RootFs();
    root.tree(runtime, JAVA_HOME);
    for (Path library : sharedLibraries(runtime)) {
      root.hostFile(library);
    }
    systemFiles(root);

    Layer layer = writeLayer(root, work.resolve("layer.tar.gz"));
    Files.createDirectories(output.getParent());
    Path partial = output.resolveSibling(output.getFileName() + ".partial");
    writeArchive(partial, name, layer, labels(modules));
    Files.move(partial, output, StandardCopyOption.REPLACE_EXISTING);
    deleteTree(work);
    List<String> stamp = new ArrayList<>(inputs);
    for (Path file : root.hostFiles()) {
      stamp.add(BuildStamp.fileStamp(file));
    }
    Files.write(stampFile, stamp);
    System.out.printf(
        "base image %s: %s (layer %s, %d MB compressed; jlink %d s, the rest %d s)%n",
        name,
        output,
        layer.diffId(),
        layer.size() >> 20,
        (linked - started) / 1_000_000_000L,
        (System.nanoTime() - linked) / 1_000_000_000L);
  }

  /**
   * What the image is made from, short of the build machine's files: the JDK, the modules, the name
   * and this program itself.
   */
  private static List<String> inputs(List<String> modules, String name) throws IOException {
    MessageDigest builder = sha256();
    for (Class<?> type : List.of(BaseImageBuilder.class, RootFs.class, BuildStamp.class)) {
      try (InputStream in = type.getResourceAsStream(type.getSimpleName() + ".class")) {
        builder.update(in.readAllBytes());
      }
    }
    return List.of(
        "java.home " + System.getProperty("java.home"),
        "java.runtime.version " + System.getProperty("java.runtime.version"),
        "modules " + String.join(",", modules),
        "name " + name,
        "builder " + digest(builder));
  }

  /**
   * jlink of the running JDK: the modules, without debug attributes, man pages or headers. It runs
   * as a process of its own: jlink inside a JVM that has done other work (Maven's) may generate its
   * method handle classes differently, and the image would differ from build to build.
   */
  private static Path link(List<String> modules, Path target)
      throws IOException, InterruptedException {
    Path javaHome = Path.of(System.getProperty("java.home"));
    Path jlink = javaHome.resolve("bin/jlink");
    if (!Files.isExecutable(jlink)) {
      throw new IllegalStateException(
          "no jlink in " + javaHome + ": the base image is linked from the JDK that runs Maven");
    }
    List<String> command = new ArrayList<>(List.of(jlink.toString()));
    Path jmods = javaHome.resolve("jmods");
    if (Files.isDirectory(jmods)) {
      command.addAll(List.of("--module-path", jmods.toString()));
    }
    command.addAll(
        List.of(
            "--add-modules",
            String.join(",", modules),
            "--strip-debug",
            "--no-man-pages",
            "--no-header-files",
            "--output",
            target.toString()));
    run(command);
    for (String library : DESKTOP_LIBRARIES) {
      Files.deleteIfExists(target.resolve("lib").resolve(library));
    }
    return target;
  }

  /** The libraries outside the runtime that its programs and libraries load, by {@code ldd}. */
  static List<Path> sharedLibraries(Path runtime) throws IOException, InterruptedException {
    List<String> command = new ArrayList<>(List.of("ldd"));
    try (Stream<Path> files = Files.walk(runtime)) {
      files.filter(BaseImageBuilder::isElf).map(Path::toString).sorted().forEach(command::add);
    }
    String output = run(command);
    TreeSet<Path> libraries = new TreeSet<>();
    Path libcDirectory = null;
    for (String line : output.split("\n")) {
      Matcher matcher = LDD_PATH.matcher(line);
      if (matcher.find()) {
        Path library = Path.of(matcher.group(1));
        if (!library.startsWith(runtime)) {
          libraries.add(library);
          if (library.getFileName().toString().startsWith("libc.so.")) {
            libcDirectory = library.getParent();
          }
        }
      }
    }
    if (libcDirectory == null) {
      throw new IllegalStateException(
          "ldd names no C library for the runtime's programs; its output:\n" + output);
    }
    for (String library : LOADED_BY_LIBC) {
      Path path = libcDirectory.resolve(library);
      if (Files.exists(path)) {
        libraries.add(path);
      }
    }
    return List.copyOf(libraries);
  }

  private static void systemFiles(RootFs root) throws IOException {
    root.file(
        "etc/passwd",
        "root:x:0:0:root:/root:/sbin/nologin\napp:x:1000:1000:app:/home/app:/sbin/nologin\n");
    root.file("etc/group", "root:x:0:\napp:x:1000:\n");
    root.file("etc/nsswitch.conf", "passwd: files\ngroup: files\nhosts: files dns\n");
    root.directory("root", 0700, 0);
    root.directory("home/app", 0755, 1000);
    root.directory("tmp", 01777, 0);
    Path certificates = Path.of("/etc/ssl/certs/ca-certificates.crt");
    if (Files.exists(certificates)) {
      root.hostFile(certificates);
    }
    if (Files.isDirectory(UTF8_LOCALE)) {
      root.hostTree(UTF8_LOCALE);
    }
  }

  private record Layer(Path file, String diffId, String digest, long size) {}

  /** The root file system as a gzip-compressed tar, with the digests of both forms. */
  private static Layer writeLayer(RootFs root, Path file) throws IOException {
    MessageDigest compressed = sha256();
    MessageDigest uncompressed = sha256();
    try (OutputStream out =
            new DigestOutputStream(
                new BufferedOutputStream(Files.newOutputStream(file), 1 << 16), compressed);
        GZIPOutputStream gzip = new GZIPOutputStream(out, 1 << 16);
        OutputStream tar = new DigestOutputStream(gzip, uncompressed)) {
      root.writeTar(tar);
    }
    return new Layer(file, digest(uncompressed), digest(compressed), Files.size(file));
  }

  private static Map<String, String> labels(List<String> modules) throws InterruptedException {
    Map<String, String> labels = new LinkedHashMap<>();
    labels.put("org.opencontainers.image.title", "jre-base");
    labels.put(
        "org.opencontainers.image.description",
        "A Java runtime linked with jlink from the build machine's JDK, with the shared libraries"
            + " it needs copied from the build machine");
    labels.put("io.sagacoord.base.java.version", System.getProperty("java.runtime.version"));
    labels.put("io.sagacoord.base.java.vendor", System.getProperty("java.vendor"));
    labels.put("io.sagacoord.base.java.modules", String.join(",", modules));
    try {
      String version = run(List.of("ldd", "--version")).lines().findFirst().orElse("");
      labels.put("io.sagacoord.base.libc", version.replaceFirst("^ldd\\s+", "").trim());
    } catch (IOException e) {
      labels.put("io.sagacoord.base.libc", "unknown");
    }
    return labels;
  }

  private static void writeArchive(
      Path target, String name, Layer layer, Map<String, String> labels) throws IOException {
    JsonMapper json = JsonMapper.builder().build();

    ObjectNode config = json.createObjectNode();
    config.put("created", CREATED);
    config.put("architecture", architecture());
    config.put("os", "linux");
    ObjectNode runtimeConfig = config.putObject("config");
    ArrayNode env = runtimeConfig.putArray("Env");
    env.add(
        "PATH=/" + JAVA_HOME + "/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin");
    env.add("JAVA_HOME=/" + JAVA_HOME);
    if (Files.isDirectory(UTF8_LOCALE)) {
      env.add("LANG=C.UTF-8");
    }
    ObjectNode labelNode = runtimeConfig.putObject("Labels");
    labels.forEach(labelNode::put);
    ObjectNode rootfs = config.putObject("rootfs");
    rootfs.put("type", "layers");
    rootfs.putArray("diff_ids").add(layer.diffId());
    config
        .putArray("history")
        .addObject()
        .put("created", CREATED)
        .put("created_by", "sec-image-base: jlink " + labels.get("io.sagacoord.base.java.version"))
        .put("comment", "Java runtime and shared libraries of the build machine");
    byte[] configBytes = json.writeValueAsBytes(config);
    String configDigest = digest(sha256().digest(configBytes));

    ObjectNode manifest = json.createObjectNode();
    manifest.put("schemaVersion", 2);
    manifest.put("mediaType", "application/vnd.oci.image.manifest.v1+json");
    manifest
        .putObject("config")
        .put("mediaType", "application/vnd.oci.image.config.v1+json")
        .put("digest", configDigest)
        .put("size", configBytes.length);
    manifest
        .putArray("layers")
        .addObject()
        .put("mediaType", LAYER_MEDIA_TYPE)
        .put("digest", layer.digest())
        .put("size", layer.size());
    byte[] manifestBytes = json.writeValueAsBytes(manifest);
    String manifestDigest = digest(sha256().digest(manifestBytes));

    ObjectNode index = json.createObjectNode();
    index.put("schemaVersion", 2);
    index.put("mediaType", "application/vnd.oci.image.index.v1+json");
    ObjectNode entry =
        index
            .putArray("manifests")
            .addObject()
            .put("mediaType", "application/vnd.oci.image.manifest.v1+json")
            .put("digest", manifestDigest)
            .put("size", manifestBytes.length);
    entry.putObject("annotations").put("org.opencontainers.image.ref.name", name);

    ArrayNode dockerManifest = json.createArrayNode();
    ObjectNode image = dockerManifest.addObject();
    image.put("Config", blobPath(configDigest));
    image.putArray("RepoTags").add(name);
    image.putArray("Layers").add(blobPath(layer.digest()));

    try (OutputStream out = new BufferedOutputStream(Files.newOutputStream(target), 1 << 16);
        TarArchiveOutputStream tar = new TarArchiveOutputStream(out, "UTF-8")) {
      tar.setLongFileMode(TarArchiveOutputStream.LONGFILE_POSIX);
      directory(tar, "blobs/");
      directory(tar, "blobs/sha256/");
      file(tar, blobPath(configDigest), configBytes);
      file(tar, blobPath(manifestDigest), manifestBytes);
      TarArchiveEntry layerEntry = header(blobPath(layer.digest()), 0644);
      layerEntry.setSize(layer.size());
      tar.putArchiveEntry(layerEntry);
      try (InputStream in = Files.newInputStream(layer.file())) {
        in.transferTo(tar);
      }
      tar.closeArchiveEntry();
      file(tar, "index.json", json.writeValueAsBytes(index));
      file(tar, "manifest.json", json.writeValueAsBytes(dockerManifest));
      file(
          tar, "oci-layout", "{\"imageLayoutVersion\":\"1.0.0\"}".getBytes(StandardCharsets.UTF_8));
      tar.finish();
    }
  }

  private static String blobPath(String digest) {
    return "blobs/" + digest.replace(':', '/');
  }

  private static void directory(TarArchiveOutputStream tar, String name) throws IOException {
    tar.putArchiveEntry(header(name, 0755));
    tar.closeArchiveEntry();
  }

  private static void file(TarArchiveOutputStream tar, String name, byte[] content)
      throws IOException {
    TarArchiveEntry entry = header(name, 0644);
    entry.setSize(content.length);
    tar.putArchiveEntry(entry);
    tar.write(content);
    tar.closeArchiveEntry();
  }

  private static TarArchiveEntry header(String name, int mode) {
    TarArchiveEntry entry = new TarArchiveEntry(name);
    entry.setMode(mode);
    entry.setUserId(0);
    entry.setGroupId(0);
    entry.setUserName("");
    entry.setGroupName("");
    entry.setLastModifiedTime(RootFs.MTIME);
    return entry;
  }

  /** The image architecture of the running JVM, in the names image configurations use. */
  private static String architecture() {
    String arch = System.getProperty("os.arch").toLowerCase(Locale.ROOT);
    return switch (arch) {
      case "amd64", "x86_64" -> "amd64";
      case "aarch64", "arm64" -> "arm64";
      case "ppc64le" -> "ppc64le";
      case "s390x" -> "s390x";
      default -> throw new IllegalStateException("no image architecture for os.arch " + arch);
    };
  }

  private static boolean isElf(Path path) {
    if (!Files.isRegularFile(path)) {
      return false;
    }
    try (InputStream in = Files.newInputStream(path)) {
      byte[] magic = in.readNBytes(4);
      return magic.length == 4
          && magic[0] == 0x7f
          && magic[1] == 'E'
          && magic[2] == 'L'
          && magic[3] == 'F';
    } catch (IOException e) {
      return false;
    }
  }

  private static String run(List<String> command) throws IOException, InterruptedException {
    Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
    String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    int status = process.waitFor();
    // ldd ends with 1 when one of several files is not dynamically linked; the rest is listed
    if (status != 0 && !command.get(0).equals("ldd")) {
      throw new IOException(command.get(0) + " ended with " + status + ": " + output);
    }
    return output;
  }

  private static MessageDigest sha256() {
    try {
      return MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  private static String digest(MessageDigest digest) {
    return digest(digest.digest());
  }

  private static String digest(byte[] hash) {
    return "sha256:" + HexFormat.of().formatHex(hash);
  }

  private static Map<String, String> options(String[] args) {
    Map<String, String> options = new LinkedHashMap<>();
    for (String arg : args) {
      if (!arg.startsWith("--") || !arg.contains("=")) {
        throw new IllegalArgumentException("expected --name=value, got " + arg);
      }
      options.put(arg.substring(2, arg.indexOf('=')), arg.substring(arg.indexOf('=') + 1));
    }
    return options;
  }

  private static String required(Map<String, String> options, String name) {
    String value = options.get(name);
    if (value == null || value.isBlank()) {
      throw new IllegalArgumentException("--" + name + " is required");
    }
    return value;
  }

  private static void deleteTree(Path root) throws IOException {
    if (!Files.exists(root)) {
      return;
    }
    try (Stream<Path> paths = Files.walk(root)) {
      for (Path path : (Iterable<Path>) paths.sorted(Comparator.reverseOrder())::iterator) {
        Files.delete(path);
      }
    }
  }
}
