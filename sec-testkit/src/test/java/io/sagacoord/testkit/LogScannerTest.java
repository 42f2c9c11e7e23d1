package io.sagacoord.testkit;

import static org.assertj.core.api.Assertions.assertThat;

import io.sagacoord.testkit.internal.LogScanner;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LogScannerTest {

  @Test
  void findsALineWrittenInPiecesAcrossReads(@TempDir Path dir) throws Exception {
    Path log = dir.resolve("child.log");
    Files.writeString(log, "starting...\nStarted Coord");
    LogScanner scanner = new LogScanner(log, "Started Coordinator in");
    assertThat(scanner.found()).isFalse();

    Files.writeString(log, "inator in 2.3 s\n", StandardOpenOption.APPEND);

    assertThat(scanner.found()).isTrue();
  }

  @Test
  void doesNotFindWhatIsNotThereAndToleratesAMissingFile(@TempDir Path dir) throws Exception {
    Path log = dir.resolve("later.log");
    LogScanner scanner = new LogScanner(log, "ready");
    assertThat(scanner.found()).isFalse();
    Files.writeString(log, "still booting\n");
    assertThat(scanner.found()).isFalse();
  }
}
