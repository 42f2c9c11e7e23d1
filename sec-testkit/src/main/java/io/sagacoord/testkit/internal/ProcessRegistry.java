package io.sagacoord.testkit.internal;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * Child processes the test kit started: their PIDs on disk (so the next run can end what a killed
 * test JVM left behind) and their logs in memory (so a failing test can print them).
 *
 * <p>PID files are named {@code <owner pid>-<child pid>.pid} and hold a marker that appears on the
 * child's command line. A leftover is a child whose owner is gone, that still runs, and whose
 * command line still carries the marker (so a recycled PID is never killed).
 */
public final class ProcessRegistry {
  /** Base directory for logs and PID files; default {@code target} (the module's build dir). */
  public static final String DIR_PROPERTY = "sec.testkit.dir";

  /** What a failing test prints: a child's name, log file and whether it still runs. */
  public interface Child {
    String name();

    Path logFile();

    boolean isAlive();
  }

  private record Entry(long sequence, Child child) {}

  private static final List<Entry> CHILDREN = new ArrayList<>();
  private static long sequence;
  private static boolean leftoversEnded;

  private ProcessRegistry() {}

  public static Path baseDir() {
    return Path.of(System.getProperty(DIR_PROPERTY, "target")).toAbsolutePath();
  }

  public static Path logsDir() {
    return baseDir().resolve("testkit-logs");
  }

  public static Path pidsDir() {
    return baseDir().resolve("testkit-pids");
  }

  /** Ends children left by earlier test JVMs that died without cleanup; once per JVM. */
  public static synchronized void endLeftovers() {
    if (leftoversEnded) {
      return;
    }
    leftoversEnded = true;
    endLeftoversIn(pidsDir());
  }

  /** Ends leftovers recorded in {@code dir}; see the class comment for what counts as one. */
  public static void endLeftoversIn(Path dir) {
    if (!Files.isDirectory(dir)) {
      return;
    }
    try (DirectoryStream<Path> files = Files.newDirectoryStream(dir, "*.pid")) {
      for (Path file : files) {
        endLeftover(file);
      }
    } catch (IOException e) {
      System.err.println("[sec-testkit] could not scan " + dir + ": " + e);
    }
  }

  private static void endLeftover(Path file) throws IOException {
    String[] parts = file.getFileName().toString().replace(".pid", "").split("-");
    if (parts.length != 2) {
      return;
    }
    long owner;
    long child;
    try {
      owner = Long.parseLong(parts[0]);
      child = Long.parseLong(parts[1]);
    } catch (NumberFormatException e) {
      return;
    }
    if (ProcessHandle.of(owner).map(ProcessHandle::isAlive).orElse(false)) {
      return; // a live test JVM (a parallel build, or our own parent) still owns it
    }
    String marker = Files.readString(file, StandardCharsets.UTF_8).trim();
    Optional<ProcessHandle> handle = ProcessHandle.of(child);
    if (handle.isPresent() && handle.get().isAlive() && carriesMarker(handle.get(), marker)) {
      System.err.println(
          "[sec-testkit] ending leftover child process " + child + " (" + marker + ")");
      handle.get().destroyForcibly();
      try {
        handle.get().onExit().get(10, TimeUnit.SECONDS);
      } catch (Exception e) {
        System.err.println("[sec-testkit] leftover " + child + " did not end: " + e);
      }
      deleteLeftoverTempDir(marker);
    }
    Files.deleteIfExists(file);
  }

  private static void deleteLeftoverTempDir(String marker) {
    Path tmp = Path.of(System.getProperty("java.io.tmpdir")).toAbsolutePath();
    try {
      Path dir = Path.of(marker).toAbsolutePath().normalize();
      if (dir.getParent() != null
          && dir.getParent().equals(tmp)
          && dir.getFileName().toString().startsWith("sec-testkit-")) {
        Files2.deleteRecursively(dir);
      }
    } catch (RuntimeException e) {
      // not a path: nothing to delete
    }
  }

  private static boolean carriesMarker(ProcessHandle handle, String marker) {
    if (marker.isEmpty()) {
      return false;
    }
    // /proc first: ProcessHandle.Info reads at most 4 KiB of the command line and then reports
    // no arguments at all, which a long -cp easily exceeds
    Path cmdline = Path.of("/proc", String.valueOf(handle.pid()), "cmdline");
    try {
      if (Files.isReadable(cmdline)) {
        return new String(Files.readAllBytes(cmdline), StandardCharsets.UTF_8).contains(marker);
      }
    } catch (IOException e) {
      // gone meanwhile, or another OS: fall back to what the JDK offers
    }
    return handle.info().commandLine().map(c -> c.contains(marker)).orElse(false);
  }

  /**
   * Records the PID of a process the test kit did not start as a {@link Child} (the embedded
   * PostgreSQL server), so the next run ends it if this JVM dies without cleanup. The marker must
   * appear on that process's command line; if it names a folder under {@code java.io.tmpdir} whose
   * name starts with {@code sec-testkit-}, the next run deletes that folder too.
   */
  public static synchronized void recordPid(long pid, String marker) {
    try {
      Files.createDirectories(pidsDir());
      Files.writeString(pidFile(pid), marker, StandardCharsets.UTF_8);
    } catch (IOException e) {
      System.err.println("[sec-testkit] could not record PID " + pid + ": " + e);
    }
  }

  /** Records a started child: PID file on disk, log for failure reports. */
  public static synchronized void register(long pid, String marker, Child child) {
    try {
      Files.createDirectories(pidsDir());
      Files.writeString(pidFile(pid), marker, StandardCharsets.UTF_8);
    } catch (IOException e) {
      System.err.println("[sec-testkit] could not record PID " + pid + ": " + e);
    }
    CHILDREN.add(new Entry(++sequence, child));
  }

  /** The child ended and we saw it end: its PID is no concern of a later run. */
  public static void forgetPid(long pid) {
    try {
      Files.deleteIfExists(pidFile(pid));
    } catch (IOException e) {
      // a stale file is harmless: the marker check protects a recycled PID
    }
  }

  private static Path pidFile(long pid) {
    return pidsDir().resolve(ProcessHandle.current().pid() + "-" + pid + ".pid");
  }

  /** A position in the registration order; pass it to {@link #registeredSince}. */
  public static synchronized long mark() {
    return sequence;
  }

  /** Children registered after {@code mark}, plus older ones still running. */
  public static synchronized List<Child> registeredSince(long mark) {
    List<Child> result = new ArrayList<>();
    for (Entry e : CHILDREN) {
      if (e.sequence() > mark || e.child().isAlive()) {
        result.add(e.child());
      }
    }
    return result;
  }

  /** Report of the log tails of {@code children}, for a failing test. */
  public static String describeLogs(List<Child> children, int lines) {
    StringBuilder sb = new StringBuilder();
    for (Child c : children) {
      sb.append("----- ")
          .append(c.name())
          .append(c.isAlive() ? " (running)" : " (ended)")
          .append(", last ")
          .append(lines)
          .append(" lines of ")
          .append(c.logFile())
          .append(" -----\n")
          .append(LogTail.tail(c.logFile(), lines));
    }
    return sb.toString();
  }
}
