package io.sagacoord.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.sagacoord.testkit.mains.ClockWatchingMain;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class MovableClockTest {

  @Test
  void advancingMovesTheClockAheadOfTheSystemClockByTheSumOfTheMoves() {
    try (MovableClock clock = MovableClock.create()) {
      assertThat(clock.offset()).isZero();

      clock.advance(Duration.ofHours(1));
      clock.advance(Duration.ofMinutes(30));
      Instant systemBefore = Instant.now();
      Instant read = clock.instant();

      assertThat(clock.offset()).isEqualTo(Duration.ofMinutes(90));
      assertThat(read).isAfterOrEqualTo(systemBefore.plus(Duration.ofMinutes(90)));
    }
  }

  @Test
  void anotherOpeningOfTheFileSeesAndMakesTheSameMoves() {
    try (MovableClock clock = MovableClock.create()) {
      MovableClock other = MovableClock.open(clock.file());
      MovableClock inParis = other.withZone(ZoneId.of("Europe/Paris"));

      clock.advance(Duration.ofMinutes(5));
      other.advance(Duration.ofSeconds(7));

      assertThat(other.offset()).isEqualTo(Duration.ofSeconds(307));
      assertThat(clock.offset()).isEqualTo(Duration.ofSeconds(307));
      assertThat(inParis.getZone()).isEqualTo(ZoneId.of("Europe/Paris"));
      assertThat(inParis.offset()).isEqualTo(Duration.ofSeconds(307));
      assertThat(clock.getZone()).isEqualTo(ZoneOffset.UTC);
    }
  }

  @Test
  void aChildProcessSeesTheMovesOfItsParent() {
    try (MovableClock clock = MovableClock.create();
        JavaProcess child =
            JavaProcess.builder(ClockWatchingMain.class.getName())
                .name("clock-watcher")
                .systemProperty(MovableClock.PROPERTY, clock.file().toString())
                .start()) {
      child.awaitLogLine("watching, offset PT0S", Duration.ofSeconds(60));

      clock.advance(Duration.ofHours(2));

      child.awaitLogLine("an hour ahead, offset PT2H", Duration.ofSeconds(60));
      assertThat(child.waitForExit(Duration.ofSeconds(60))).isZero();
    }
  }

  @Test
  void theClockMovesForwardOnly() {
    try (MovableClock clock = MovableClock.create()) {
      assertThatThrownBy(() -> clock.advance(Duration.ofSeconds(-1)))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("forward only");
      assertThat(clock.offset()).isZero();
    }
  }

  @Test
  void closingDeletesTheFileOfTheClockThatMadeIt() {
    MovableClock clock = MovableClock.create();
    Path file = clock.file();
    MovableClock opened = MovableClock.open(file);
    opened.close();
    assertThat(file).exists();

    clock.close();

    assertThat(file).doesNotExist();
    assertThatThrownBy(() -> MovableClock.open(file))
        .isInstanceOf(TestkitException.class)
        .hasMessageContaining("does not exist");
  }

  @Test
  void aFileThatIsNoClockIsRefusedByName(@TempDir Path dir) throws Exception {
    Path stranger = Files.write(dir.resolve("stranger.bin"), new byte[16]);

    assertThatThrownBy(() -> MovableClock.open(stranger))
        .isInstanceOf(TestkitException.class)
        .hasMessageContaining(stranger.toString())
        .hasMessageContaining("not the file of a movable clock");
  }

  @Test
  void withoutThePropertyThereIsNoClockFromIt() {
    assertThat(System.getProperty(MovableClock.PROPERTY)).isNull();
    assertThat(MovableClock.fromSystemProperty()).isEmpty();
  }
}
