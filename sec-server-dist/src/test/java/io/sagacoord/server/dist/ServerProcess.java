package io.sagacoord.server.dist;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * {@code bin/sec-server} (or {@code java -jar}) running as a separate process, its output in a log
 * file. Closing it kills the process if it still runs; a JVM shutdown hook does the same should the
 * test JVM end first.
 */
final class ServerProcess implements AutoCloseable {

  private final Process process;
  private final Path log;
  private final Thread killer;

  private ServerProcess(Process process, Path log) {
    this.process = process;
    this.log = log;
    this.killer = new Thread(process::destroyForcibly, "sec-server-dist-test-kill");
    Runtime.getRuntime().addShutdownHook(killer);
  }

  static ServerProcess start(List<String> command, Map<String, String> env, Path log)
      throws IOException {
    ProcessBuilder builder =
        new ProcessBuilder(command)
            .redirectErrorStream(true)
            .redirectOutput(ProcessBuilder.Redirect.to(log.toFile()))
            .redirectInput(ProcessBuilder.Redirect.from(Path.of("/dev/null").toFile()));
    builder.environment().putAll(env);
    return new ServerProcess(builder.start(), log);
  }

  ProcessHandle handle() {
    return process.toHandle();
  }

  boolean isAlive() {
    return process.isAlive();
  }

  /** Everything the process printed so far. */
  String output() {
    try {
      return Files.readString(log, StandardCharsets.UTF_8);
    } catch (IOException e) {
      return "(log " + log + " unreadable: " + e + ")";
    }
  }

  /** Sends SIGTERM and waits for the exit; returns the exit code. */
  int terminate(Duration timeout) throws InterruptedException {
    process.toHandle().destroy();
    return waitForExit(timeout);
  }

  /** Waits for the process to end by itself; returns the exit code. */
  int waitForExit(Duration timeout) throws InterruptedException {
    if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
      throw new AssertionError(
          "sec-server still runs after " + timeout + "; its output:\n" + output());
    }
    return process.exitValue();
  }

  @Override
  public void close() throws InterruptedException {
    if (process.isAlive()) {
      process.destroyForcibly();
      process.waitFor(30, TimeUnit.SECONDS);
    }
    try {
      Runtime.getRuntime().removeShutdownHook(killer);
    } catch (IllegalStateException e) {
      // the JVM is already shutting down; the hook runs and finds the process gone
    }
  }
}
