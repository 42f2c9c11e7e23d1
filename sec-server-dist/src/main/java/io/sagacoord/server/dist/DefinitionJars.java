package io.sagacoord.server.dist;

import io.sagacoord.dsl.SagaDefinition;
import io.sagacoord.dsl.SagaDefinitionProvider;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.lang.reflect.InvocationTargetException;
import java.net.MalformedURLException;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.jar.JarEntry;
import java.util.jar.JarFile;
import java.util.stream.Stream;

/**
 * The jars of a definitions folder: saga definition jars (those that list a {@link
 * SagaDefinitionProvider} in {@code META-INF/services}) and the jars they depend on, all on one
 * class loader above the coordinator's own.
 *
 * <p>Each definition jar is checked before the coordinator starts: it must be a readable jar, every
 * provider it names must be a public {@link SagaDefinitionProvider} class with a public no-argument
 * constructor in the folder's jars, and its {@code definitions()} must return valid definitions.
 * The first jar that fails stops the start with a {@link DefinitionJarException} naming the jar and
 * the cause. The coordinator's {@code DefinitionRegistry} then finds the providers through {@link
 * java.util.ServiceLoader} on the thread's context class loader, as it does on a plain class path.
 */
public final class DefinitionJars {

  static final String SERVICE_FILE = "META-INF/services/" + SagaDefinitionProvider.class.getName();

  private final List<Path> jars;
  private final URLClassLoader loader;

  private DefinitionJars(List<Path> jars, URLClassLoader loader) {
    this.jars = jars;
    this.loader = loader;
  }

  /**
   * Opens the {@code *.jar} files of {@code folder} (other files and sub-folders are ignored), in
   * name order, and checks each definition jar among them.
   *
   * @throws DefinitionJarException naming the first jar that fails and why
   * @throws IllegalArgumentException if {@code folder} is not a readable folder
   */
  public static DefinitionJars open(Path folder, ClassLoader parent) {
    if (!Files.isDirectory(folder)) {
      throw new IllegalArgumentException("definitions folder " + folder + " is not a folder");
    }
    List<Path> jars;
    try (Stream<Path> files = Files.list(folder)) {
      jars =
          files
              .filter(f -> f.getFileName().toString().endsWith(".jar"))
              .filter(Files::isRegularFile)
              .sorted()
              .toList();
    } catch (IOException e) {
      throw new IllegalArgumentException(
          "definitions folder " + folder + " cannot be read: " + e.getMessage(), e);
    }
    List<List<String>> providers = new ArrayList<>();
    List<URL> urls = new ArrayList<>();
    for (Path jar : jars) {
      providers.add(providerNames(jar));
      urls.add(url(jar));
    }
    URLClassLoader loader = new URLClassLoader("sec-definitions", urls.toArray(URL[]::new), parent);
    DefinitionJars opened = new DefinitionJars(jars, loader);
    try {
      for (int i = 0; i < jars.size(); i++) {
        for (String provider : providers.get(i)) {
          opened.check(jars.get(i), provider);
        }
      }
    } catch (RuntimeException e) {
      opened.closeQuietly();
      throw e;
    }
    return opened;
  }

  /** The class loader over every jar of the folder; its parent is the coordinator's. */
  public ClassLoader classLoader() {
    return loader;
  }

  /** The jars of the folder, in name order. */
  public List<Path> jars() {
    return jars;
  }

  /** The provider class names listed by one jar's service file; empty for a dependency jar. */
  private static List<String> providerNames(Path jar) {
    try (JarFile file = new JarFile(jar.toFile())) {
      JarEntry entry = file.getJarEntry(SERVICE_FILE);
      if (entry == null) {
        return List.of();
      }
      List<String> names = new ArrayList<>();
      try (InputStream in = file.getInputStream(entry);
          BufferedReader reader =
              new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8))) {
        String line;
        while ((line = reader.readLine()) != null) {
          int comment = line.indexOf('#');
          String name = (comment >= 0 ? line.substring(0, comment) : line).trim();
          if (!name.isEmpty()) {
            names.add(name);
          }
        }
      }
      return names;
    } catch (IOException | SecurityException e) {
      throw new DefinitionJarException(jar, "not a readable jar (" + describe(e) + ")");
    }
  }

  private void check(Path jar, String providerName) {
    Class<?> type;
    try {
      type = Class.forName(providerName, false, loader);
    } catch (ClassNotFoundException e) {
      throw new DefinitionJarException(
          jar,
          "provider class "
              + providerName
              + " (listed in "
              + SERVICE_FILE
              + ") is neither in the jar nor in the other jars of "
              + jar.getParent());
    } catch (LinkageError e) {
      throw new DefinitionJarException(
          jar, "provider class " + providerName + " cannot be loaded (" + describe(e) + ")");
    }
    if (!SagaDefinitionProvider.class.isAssignableFrom(type)) {
      throw new DefinitionJarException(
          jar,
          "provider class "
              + providerName
              + " does not implement "
              + SagaDefinitionProvider.class.getName());
    }
    List<SagaDefinition<?>> definitions;
    try {
      SagaDefinitionProvider provider =
          (SagaDefinitionProvider) type.getConstructor().newInstance();
      definitions = provider.definitions();
    } catch (NoSuchMethodException | IllegalAccessException e) {
      throw new DefinitionJarException(
          jar, "provider class " + providerName + " needs a public constructor without arguments");
    } catch (InvocationTargetException e) {
      throw new DefinitionJarException(
          jar, "provider " + providerName + " failed to start (" + describe(e.getCause()) + ")");
    } catch (InstantiationException e) {
      throw new DefinitionJarException(
          jar, "provider class " + providerName + " is abstract or an interface");
    } catch (RuntimeException | LinkageError e) {
      throw new DefinitionJarException(
          jar, "provider " + providerName + " failed (" + describe(e) + ")");
    }
    if (definitions == null || definitions.stream().anyMatch(d -> d == null)) {
      throw new DefinitionJarException(
          jar, "provider " + providerName + " returned null instead of definitions");
    }
  }

  /** The exception and its causes, one short phrase each, without stack traces. */
  static String describe(Throwable e) {
    StringBuilder text = new StringBuilder();
    Throwable t = e;
    for (int depth = 0; t != null && depth < 4; depth++, t = t.getCause()) {
      if (depth > 0) {
        text.append("; caused by ");
      }
      text.append(t.getClass().getName());
      if (t.getMessage() != null) {
        text.append(": ").append(t.getMessage());
      }
      if (t.getCause() == t) {
        break;
      }
    }
    return text.toString();
  }

  private static URL url(Path jar) {
    try {
      return jar.toUri().toURL();
    } catch (MalformedURLException e) {
      throw new DefinitionJarException(jar, "no URL for its path (" + e.getMessage() + ")");
    }
  }

  private void closeQuietly() {
    try {
      loader.close();
    } catch (IOException e) {
      // the start fails anyway; the jar's own failure is the message that matters
    }
  }
}
