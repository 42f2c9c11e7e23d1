package io.sagacoord.testkit;

import static org.assertj.core.api.Assertions.assertThat;

import io.sagacoord.testkit.internal.ProcessRegistry;
import io.sagacoord.testkit.mains.SleepingMain;
import io.sagacoord.testkit.mains.StartsSharedPostgresMain;
import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What a test JVM killed by a CI timeout leaves behind is ended by the next run. */
class LeftoverProcessesTest {

  @Test
  void endsARecordedChildWhoseOwnerIsGoneAndSparesOneWithoutTheMarker(@TempDir Path pids)
      throws Exception {
    long deadOwner = deadPid();
    String marker = "sec.testkit.child=leftover-test-" + System.nanoTime();
    Process leftover = startSleeper("-D" + marker);
    Process stranger = startSleeper("-Dsomething.else=1");
    try {
      Files.writeString(pids.resolve(deadOwner + "-" + leftover.pid() + ".pid"), marker);
      // the PID file claims the stranger too, but its command line lacks the marker: a PID the
      // kernel recycled for an unrelated program must never be killed
      Files.writeString(pids.resolve(deadOwner + "-" + stranger.pid() + ".pid"), marker);

      ProcessRegistry.endLeftoversIn(pids);

      assertThat(leftover.waitFor(30, TimeUnit.SECONDS)).isTrue();
      assertThat(stranger.isAlive()).isTrue();
      try (var files = Files.list(pids)) {
        assertThat(files).isEmpty();
      }
    } finally {
      leftover.destroyForcibly();
      stranger.destroyForcibly();
    }
  }

  @Test
  void sparesChildrenOfALiveOwner(@TempDir Path pids) throws Exception {
    String marker = "sec.testkit.child=owned-" + System.nanoTime();
    Process child = startSleeper("-D" + marker);
    try {
      Files.writeString(
          pids.resolve(ProcessHandle.current().pid() + "-" + child.pid() + ".pid"), marker);
      ProcessRegistry.endLeftoversIn(pids);
      assertThat(child.isAlive()).isTrue();
    } finally {
      child.destroyForcibly();
    }
  }

  @Test
  void embeddedPostgresOfAKilledTestJvmIsEndedByTheNextRun() throws Exception {
    Path pids = ProcessRegistry.pidsDir();
    long postgresPid;
    Path dataDir;
    try (JavaProcess testJvm =
        JavaProcess.builder(StartsSharedPostgresMain.class.getName())
            .name("killed-test-jvm")
            .systemProperty("SEC_TEST_INFRA", "embedded")
            .start()) {
      testJvm.awaitLogLine("postgres up: PostgreSQL", Duration.ofSeconds(90));
      Path record;
      try (var files = Files.list(pids)) {
        record =
            files
                .filter(f -> f.getFileName().toString().startsWith(testJvm.pid() + "-"))
                .findFirst()
                .orElseThrow();
      }
      String name = record.getFileName().toString();
      postgresPid = Long.parseLong(name.substring(name.indexOf('-') + 1, name.indexOf('.')));
      dataDir = Path.of(Files.readString(record).trim());

      testJvm.kill(); // like a CI timeout: no shutdown hook runs in that JVM
    }
    ProcessHandle postgres = ProcessHandle.of(postgresPid).orElseThrow();
    assertThat(postgres.isAlive()).as("postgres outlives the killed JVM").isTrue();
    try {
      ProcessRegistry.endLeftoversIn(pids);

      postgres.onExit().get(30, TimeUnit.SECONDS);
      assertThat(Files.exists(dataDir)).as("leftover data dir " + dataDir).isFalse();
    } finally {
      postgres.destroyForcibly();
    }
  }

  private static Process startSleeper(String property) throws Exception {
    return new ProcessBuilder(
            List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp",
                System.getProperty("java.class.path"),
                property,
                SleepingMain.class.getName()))
        .redirectOutput(new File("/dev/null"))
        .redirectErrorStream(true)
        .start();
  }

  /** The PID of a process that has ended (and was reaped), standing in for a killed test JVM. */
  private static long deadPid() throws Exception {
    Process p =
        new ProcessBuilder(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-version")
            .redirectErrorStream(true)
            .redirectOutput(new File("/dev/null"))
            .start();
    p.waitFor(30, TimeUnit.SECONDS);
    return p.pid();
  }
}
