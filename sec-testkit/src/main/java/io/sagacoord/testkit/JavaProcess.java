package io.sagacoord.testkit;

import io.sagacoord.testkit.internal.LogScanner;
import io.sagacoord.testkit.internal.LogTail;
import io.sagacoord.testkit.internal.ParentWatchdogMain;
import io.sagacoord.testkit.internal.ProcessRegistry;
import java.io.File;
import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;

/**
 * A Java main class running as a separate OS process (a child JVM), for tests that kill things.
 *
 * <p>Defaults: the classpath of this JVM ({@code java.class.path}), the {@code java} of this JVM,
 * name = simple name of the main class. Output (stdout and stderr) goes to {@code
 * target/testkit-logs/<name>-<n>.log}, n counting up per start. The child runs behind {@link
 * ParentWatchdogMain}, so it halts by itself when this JVM dies, even by SIGKILL; its PID is
 * recorded under {@code target/testkit-pids/} so the next run ends it if it somehow survived.
 * Standard input of the child is reserved for that watchdog.
 */
public final class JavaProcess implements AutoCloseable {
  private static final int LOG_TAIL_LINES = 80;
  private static final Duration KILL_TIMEOUT = Duration.ofSeconds(30);
  private static final Pattern NAME = Pattern.compile("[A-Za-z0-9._-]{1,80}");

  private final Spec spec;
  private Process process;
  private Path logFile;

  private JavaProcess(Spec spec) {
    this.spec = spec;
  }

  /** A builder for a child JVM running {@code mainClassName}. */
  public static Builder builder(String mainClassName) {
    return new DefaultBuilder(mainClassName);
  }

  /** Builds and starts a child JVM; every setter checks its input at once. */
  public interface Builder {
    /** Replaces the default classpath (this JVM's {@code java.class.path}). */
    Builder classpath(String classpath);

    /** Adds {@code -Dkey=value}. */
    Builder systemProperty(String key, String value);

    /** Adds an environment variable on top of this JVM's environment. */
    Builder env(String key, String value);

    /** Adds a JVM option such as {@code -Xmx256m}. */
    Builder jvmArg(String arg);

    /** Sets the program arguments (replacing earlier ones). */
    Builder args(String... args);

    /** Names the log file; letters, digits, dot, dash and underscore. */
    Builder name(String name);

    /** Starts the process (does not wait for anything; see {@link #awaitLogLine}). */
    JavaProcess start();
  }

  public synchronized long pid() {
    return process.pid();
  }

  public synchronized boolean isAlive() {
    return process != null && process.isAlive();
  }

  /** The log of the current (latest) start. */
  public synchronized Path logFile() {
    return logFile;
  }

  public String name() {
    return spec.name();
  }

  /**
   * Waits until the current log contains {@code substring}. Throws {@link ChildProcessException}
   * with the log tail when the timeout passes or the process ends without printing it.
   */
  public void awaitLogLine(String substring, Duration timeout) {
    Objects.requireNonNull(substring, "substring");
    Instant deadline = Instant.now().plus(timeout);
    LogScanner scanner;
    Process current;
    synchronized (this) {
      scanner = new LogScanner(logFile, substring);
      current = process;
    }
    while (true) {
      boolean alive = current.isAlive();
      if (scanner.found()) {
        return;
      }
      if (!alive) {
        // the process may have printed the line just before exiting
        if (scanner.found()) {
          return;
        }
        throw failure(
            "ended (exit code " + current.exitValue() + ") without printing \"" + substring + "\"");
      }
      if (Instant.now().isAfter(deadline)) {
        throw failure("did not print \"" + substring + "\" within " + timeout);
      }
      sleep(100);
    }
  }

  /** SIGKILL (no shutdown hooks run in the child) and wait until the process is gone. */
  public synchronized void kill() {
    if (process == null) {
      return;
    }
    killAndWait(process);
  }

  private void killAndWait(Process p) {
    p.destroyForcibly();
    try {
      if (!p.waitFor(KILL_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)) {
        throw failure("still running " + KILL_TIMEOUT + " after SIGKILL");
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new TestkitException("interrupted while killing " + spec.name(), e);
    }
    ProcessRegistry.forgetPid(p.pid());
  }

  /**
   * Starts the process again with the same command line (killing it first if it still runs); output
   * goes to a new log file. Returns this.
   */
  public synchronized JavaProcess restart() {
    if (isAlive()) {
      kill();
    }
    launch();
    return this;
  }

  /**
   * SIGTERM (the child's shutdown hooks run, and the JVM finishes what it does at exit) and waits
   * for the exit; SIGKILL if it has not ended within {@code timeout}. Returns the exit code.
   */
  public int stop(Duration timeout) {
    Process p;
    synchronized (this) {
      p = process;
    }
    if (p == null) {
      return -1;
    }
    // through the handle: Process.destroy() would also close the child's stdin, and the child's
    // watchdog halts on that EOF (exit 86) before its shutdown hooks have run
    p.toHandle().destroy();
    try {
      if (p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
        ProcessRegistry.forgetPid(p.pid());
      } else {
        killAndWait(p);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new TestkitException("interrupted while stopping " + spec.name(), e);
    }
    return p.exitValue();
  }

  /** Waits for the process to end by itself and returns its exit code. */
  public int waitForExit(Duration timeout) {
    Process p;
    synchronized (this) {
      p = process;
    }
    try {
      if (!p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
        throw failure("did not exit within " + timeout);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new TestkitException("interrupted while waiting for " + spec.name(), e);
    }
    ProcessRegistry.forgetPid(p.pid());
    return p.exitValue();
  }

  /** Kills the process if it still runs; the log file stays. */
  @Override
  public synchronized void close() {
    if (isAlive()) {
      kill();
    } else if (process != null) {
      ProcessRegistry.forgetPid(process.pid());
    }
  }

  @Override
  public String toString() {
    return "JavaProcess " + spec.name() + " (" + spec.mainClass() + ", log " + logFile + ")";
  }

  private ChildProcessException failure(String what) {
    Path file = logFile;
    return new ChildProcessException(
        spec.name(),
        file,
        "child process "
            + spec.name()
            + " ("
            + spec.mainClass()
            + ") "
            + what
            + "; last lines of "
            + file
            + ":\n"
            + LogTail.tail(file, LOG_TAIL_LINES));
  }

  private synchronized void launch() {
    ProcessRegistry.endLeftovers();
    long self = ProcessHandle.current().pid();
    Path logs = ProcessRegistry.logsDir();
    try {
      Files.createDirectories(logs);
      Path log = reserveLogFile(logs, spec.name());
      String base = log.getFileName().toString().replaceFirst("\\.log$", "");
      String marker = "sec.testkit.child=" + base + "@" + self;
      Path argFile = logs.resolve(base + ".args");
      // an @argfile keeps a long classpath off the command line (a single argument may not
      // exceed 128 KiB on Linux) and leaves the marker visible to ps and /proc/<pid>/cmdline
      Files.writeString(argFile, "-cp " + quote(spec.classpath()) + "\n", StandardCharsets.UTF_8);

      List<String> command = new ArrayList<>();
      command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
      command.add("@" + argFile);
      command.addAll(spec.jvmArgs());
      spec.systemProperties().forEach((k, v) -> command.add("-D" + k + "=" + v));
      command.add("-D" + ParentWatchdogMain.WATCH_STDIN_PROPERTY + "=true");
      command.add("-D" + marker);
      command.add(ParentWatchdogMain.class.getName());
      command.add(String.valueOf(self));
      command.add(spec.mainClass());
      command.addAll(spec.args());

      Files.writeString(
          log,
          "# sec-testkit: " + String.join(" ", command) + "\n",
          StandardCharsets.UTF_8,
          java.nio.file.StandardOpenOption.APPEND);
      ProcessBuilder builder =
          new ProcessBuilder(command)
              .redirectErrorStream(true)
              .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()));
      // stdin stays a pipe we never close: its EOF tells the child's watchdog we are gone
      builder.environment().putAll(spec.env());
      Process started = builder.start();
      this.process = started;
      this.logFile = log;
      ProcessRegistry.register(started.pid(), marker, new RegistryView(this));
    } catch (IOException e) {
      throw new ChildProcessException(
          spec.name(), logFile, "could not start child process " + spec.name() + ": " + e, e);
    }
  }

  private static Path reserveLogFile(Path dir, String name) throws IOException {
    // several JVMs (nested children, parallel forks) share the folder: claim a file atomically
    for (int n = 1; ; n++) {
      Path candidate = dir.resolve(name + "-" + n + ".log");
      try {
        return Files.createFile(candidate);
      } catch (FileAlreadyExistsException e) {
        // try the next number
      }
    }
  }

  private static String quote(String value) {
    return "\"" + value.replace("\\", "\\\\").replace("\"", "\\\"") + "\"";
  }

  private static void sleep(long millis) {
    try {
      Thread.sleep(millis);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new TestkitException("interrupted", e);
    }
  }

  private record Spec(
      String mainClass,
      String classpath,
      Map<String, String> systemProperties,
      Map<String, String> env,
      List<String> jvmArgs,
      List<String> args,
      String name) {}

  private record RegistryView(JavaProcess p) implements ProcessRegistry.Child {
    @Override
    public String name() {
      return p.spec.name();
    }

    @Override
    public Path logFile() {
      return p.logFile();
    }

    @Override
    public boolean isAlive() {
      return p.isAlive();
    }
  }

  private static final class DefaultBuilder implements Builder {
    private final String mainClass;
    private String classpath = System.getProperty("java.class.path");
    private final Map<String, String> systemProperties = new LinkedHashMap<>();
    private final Map<String, String> env = new LinkedHashMap<>();
    private final List<String> jvmArgs = new ArrayList<>();
    private List<String> args = List.of();
    private String name;

    DefaultBuilder(String mainClass) {
      if (mainClass == null || mainClass.isBlank()) {
        throw new IllegalArgumentException("mainClassName must not be blank");
      }
      this.mainClass = mainClass;
      this.name = mainClass.substring(mainClass.lastIndexOf('.') + 1).replace('$', '.');
    }

    @Override
    public Builder classpath(String classpath) {
      if (classpath == null || classpath.isBlank()) {
        throw new IllegalArgumentException("classpath must not be blank");
      }
      this.classpath = classpath;
      return this;
    }

    @Override
    public Builder systemProperty(String key, String value) {
      if (key == null || key.isBlank() || key.contains("=")) {
        throw new IllegalArgumentException(
            "systemProperty key must be non-blank without '=': " + key);
      }
      this.systemProperties.put(key, Objects.requireNonNull(value, "systemProperty value"));
      return this;
    }

    @Override
    public Builder env(String key, String value) {
      if (key == null || key.isBlank() || key.contains("=")) {
        throw new IllegalArgumentException("env key must be non-blank without '=': " + key);
      }
      this.env.put(key, Objects.requireNonNull(value, "env value"));
      return this;
    }

    @Override
    public Builder jvmArg(String arg) {
      if (arg == null || !arg.startsWith("-")) {
        throw new IllegalArgumentException("jvmArg must start with '-': " + arg);
      }
      this.jvmArgs.add(arg);
      return this;
    }

    @Override
    public Builder args(String... args) {
      for (String a : Objects.requireNonNull(args, "args")) {
        Objects.requireNonNull(a, "args must not contain null");
      }
      this.args = List.copyOf(Arrays.asList(args));
      return this;
    }

    @Override
    public Builder name(String name) {
      if (name == null || !NAME.matcher(name).matches()) {
        throw new IllegalArgumentException("name must match " + NAME.pattern() + ": " + name);
      }
      this.name = name;
      return this;
    }

    @Override
    public JavaProcess start() {
      JavaProcess process =
          new JavaProcess(
              new Spec(
                  mainClass,
                  withWatchdog(classpath),
                  java.util.Collections.unmodifiableMap(new LinkedHashMap<>(systemProperties)),
                  Map.copyOf(env),
                  List.copyOf(jvmArgs),
                  args,
                  name));
      process.launch();
      return process;
    }

    /** The watchdog must be loadable in the child even with a caller-chosen classpath. */
    private static String withWatchdog(String classpath) {
      try {
        String own =
            Path.of(
                    ParentWatchdogMain.class
                        .getProtectionDomain()
                        .getCodeSource()
                        .getLocation()
                        .toURI())
                .toString();
        List<String> entries = Arrays.asList(classpath.split(File.pathSeparator));
        return entries.contains(own) ? classpath : classpath + File.pathSeparator + own;
      } catch (URISyntaxException | RuntimeException e) {
        return classpath;
      }
    }
  }
}
