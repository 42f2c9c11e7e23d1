package io.sagacoord.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.sagacoord.testkit.mains.EchoMain;
import io.sagacoord.testkit.mains.ShutdownHookMain;
import io.sagacoord.testkit.mains.SleepingMain;
import io.sagacoord.testkit.mains.SpawnsGrandchildMain;
import java.nio.file.Files;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

@SagaInfraTest
class ChildJvmTest {

  @Test
  void sigkilledChildJvmIsGone() {
    try (JavaProcess child = JavaProcess.builder(SleepingMain.class.getName()).start()) {
      child.awaitLogLine("sleeping", Duration.ofSeconds(60));
      long pid = child.pid();
      assertThat(ProcessHandle.of(pid)).hasValueSatisfying(h -> assertThat(h.isAlive()).isTrue());

      child.kill();

      assertThat(child.isAlive()).isFalse();
      assertThat(ProcessHandle.of(pid).map(ProcessHandle::isAlive))
          .isIn(Optional.empty(), Optional.of(false));
      System.out.println("[sec-testkit] child JVM " + pid + " killed with SIGKILL and gone");
    }
  }

  @Test
  void stopLetsTheChildRunItsShutdownHooks() throws Exception {
    try (JavaProcess child =
        JavaProcess.builder(ShutdownHookMain.class.getName()).name("stopped").start()) {
      child.awaitLogLine("sleeping", Duration.ofSeconds(60));

      int exit = child.stop(Duration.ofSeconds(60));

      // 128 + SIGTERM: the JVM ended on the signal, after its hooks
      assertThat(exit).isEqualTo(143);
      assertThat(child.isAlive()).isFalse();
      assertThat(Files.readString(child.logFile())).contains("shutdown hook ran");
    }
  }

  @Test
  void passesPropertiesEnvironmentAndArgumentsAndReportsTheExitCode() throws Exception {
    try (JavaProcess child =
        JavaProcess.builder(EchoMain.class.getName())
            .name("echo")
            .systemProperty("greeting", "hello")
            .env("TESTKIT_COLOUR", "blue")
            .args("one", "two")
            .start()) {
      assertThat(child.waitForExit(Duration.ofSeconds(60))).isEqualTo(7);
      assertThat(child.logFile().toString()).contains("testkit-logs").endsWith(".log");
      assertThat(Files.readString(child.logFile()))
          .contains("property greeting=hello", "env TESTKIT_COLOUR=blue", "args=one,two");
    }
  }

  @Test
  void restartRunsTheSameCommandAgainWithANewLog() {
    try (JavaProcess child =
        JavaProcess.builder(SleepingMain.class.getName()).name("restarted").start()) {
      child.awaitLogLine("sleeping", Duration.ofSeconds(60));
      long firstPid = child.pid();
      var firstLog = child.logFile();
      child.kill();

      child.restart();
      child.awaitLogLine("sleeping", Duration.ofSeconds(60));

      assertThat(child.pid()).isNotEqualTo(firstPid);
      assertThat(child.logFile()).isNotEqualTo(firstLog);
      assertThat(child.isAlive()).isTrue();
    }
  }

  @Test
  void awaitLogLineFailsWithTheLogTailWhenTheChildEndsWithoutPrintingIt() {
    try (JavaProcess child = JavaProcess.builder(EchoMain.class.getName()).name("echo").start()) {
      assertThatThrownBy(() -> child.awaitLogLine("never printed", Duration.ofSeconds(60)))
          .isInstanceOf(ChildProcessException.class)
          .hasMessageContaining("exit code 7")
          .hasMessageContaining("args=");
    }
  }

  @Test
  void childExitsByItselfWhenItsParentJvmIsKilled() throws Exception {
    long grandchildPid = -1;
    try (JavaProcess parent =
        JavaProcess.builder(SpawnsGrandchildMain.class.getName()).name("intermediate").start()) {
      parent.awaitLogLine("grandchild pid=", Duration.ofSeconds(90));
      Matcher m =
          Pattern.compile("grandchild pid=(\\d+)").matcher(Files.readString(parent.logFile()));
      assertThat(m.find()).isTrue();
      grandchildPid = Long.parseLong(m.group(1));
      ProcessHandle grandchild = ProcessHandle.of(grandchildPid).orElseThrow();
      assertThat(grandchild.isAlive()).isTrue();

      parent.kill(); // SIGKILL: the intermediate JVM runs no cleanup at all

      // the grandchild's watchdog sees stdin EOF (or the parent PID gone) and halts it
      grandchild.onExit().get(30, TimeUnit.SECONDS);
      assertThat(grandchild.isAlive()).isFalse();
      System.out.println(
          "[sec-testkit] grandchild "
              + grandchildPid
              + " exited by itself after its parent was killed");
    } finally {
      // never leak the grandchild, even when the assertion above failed
      ProcessHandle.of(grandchildPid).ifPresent(ProcessHandle::destroyForcibly);
    }
  }
}
