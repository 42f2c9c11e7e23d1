package io.sagacoord.server.dist;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.jar.JarEntry;
import java.util.jar.JarOutputStream;
import java.util.jar.Manifest;
import java.util.stream.Stream;
import javax.tools.JavaCompiler;
import javax.tools.ToolProvider;

/**
 * Writes definition jars as a user would: Java sources compiled with the JDK's compiler against a
 * class path, plus a {@code META-INF/services/io.sagacoord.dsl.SagaDefinitionProvider} file.
 */
final class DefinitionJarBuilder {

  private final Map<String, String> sources = new LinkedHashMap<>();
  private String serviceFile;

  /**
   * The sources and the provider list of a Maven project's {@code src/main}, as its own build would
   * package them.
   */
  static DefinitionJarBuilder fromProject(Path project) throws IOException {
    DefinitionJarBuilder builder = new DefinitionJarBuilder();
    Path java = project.resolve("src/main/java");
    try (Stream<Path> files = Files.walk(java)) {
      for (Path file : files.filter(f -> f.toString().endsWith(".java")).sorted().toList()) {
        String relative = java.relativize(file).toString().replace('\\', '/');
        builder.source(
            relative.substring(0, relative.length() - ".java".length()).replace('/', '.'),
            Files.readString(file));
      }
    }
    builder.serviceFile =
        Files.readString(
            project.resolve("src/main/resources").resolve(DefinitionJars.SERVICE_FILE));
    return builder;
  }

  /** Adds a source file; {@code className} is the fully qualified name of its top-level class. */
  DefinitionJarBuilder source(String className, String code) {
    sources.put(className, code);
    return this;
  }

  /** The content of the service file; none is written without it. */
  DefinitionJarBuilder providers(String... classNames) {
    serviceFile = String.join("\n", classNames) + "\n";
    return this;
  }

  /** Compiles the sources against {@code classPath} and writes the jar to {@code jar}. */
  Path build(Path jar, String classPath, Path workFolder) throws IOException {
    Path src = Files.createDirectories(workFolder.resolve("src"));
    Path classes = Files.createDirectories(workFolder.resolve("classes"));
    String[] files = new String[sources.size()];
    int i = 0;
    for (Map.Entry<String, String> source : sources.entrySet()) {
      Path file = src.resolve(source.getKey().replace('.', '/') + ".java");
      Files.createDirectories(file.getParent());
      Files.writeString(file, source.getValue(), StandardCharsets.UTF_8);
      files[i++] = file.toString();
    }
    if (files.length > 0) {
      JavaCompiler javac = ToolProvider.getSystemJavaCompiler();
      assertThat(javac).as("a JDK's compiler (the tests need a JDK, not a JRE)").isNotNull();
      ByteArrayOutputStream diagnostics = new ByteArrayOutputStream();
      String[] options = {
        "--release", "17", "-classpath", classPath, "-d", classes.toString(), "-proc:none"
      };
      int status =
          javac.run(null, OutputStream.nullOutputStream(), diagnostics, concat(options, files));
      assertThat(status).as("javac: " + diagnostics.toString(StandardCharsets.UTF_8)).isZero();
    }
    Manifest manifest = new Manifest();
    manifest.getMainAttributes().putValue("Manifest-Version", "1.0");
    try (JarOutputStream out = new JarOutputStream(Files.newOutputStream(jar), manifest);
        Stream<Path> walk = Files.walk(classes)) {
      for (Path file : walk.filter(Files::isRegularFile).sorted().toList()) {
        out.putNextEntry(new JarEntry(classes.relativize(file).toString().replace('\\', '/')));
        out.write(Files.readAllBytes(file));
        out.closeEntry();
      }
      if (serviceFile != null) {
        out.putNextEntry(new JarEntry(DefinitionJars.SERVICE_FILE));
        out.write(serviceFile.getBytes(StandardCharsets.UTF_8));
        out.closeEntry();
      }
    }
    return jar;
  }

  private static String[] concat(String[] a, String[] b) {
    return Stream.concat(List.of(a).stream(), List.of(b).stream()).toArray(String[]::new);
  }
}
