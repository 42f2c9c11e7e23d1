package io.sagacoord.images.base;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.LinkedHashMap;
import java.util.Map;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class RootFsTest {

  @TempDir Path host;

  @Test
  void hostFileKeepsTheSymbolicLinksOnTheWayAndWhatTheyPointTo() throws IOException {
    Path real = Files.createDirectories(host.resolve("usr/lib"));
    Files.writeString(real.resolve("libx.so.1.2"), "elf");
    Files.createSymbolicLink(real.resolve("libx.so.1"), Path.of("libx.so.1.2"));
    Files.createSymbolicLink(host.resolve("lib"), Path.of("usr/lib"));
    RootFs root = new RootFs();

    root.hostFile(host.resolve("lib/libx.so.1"));

    Map<String, TarArchiveEntry> entries = entries(root);
    String prefix = host.getRoot().relativize(host) + "/";
    assertThat(entries.get(prefix + "lib").getLinkName()).isEqualTo("usr/lib");
    assertThat(entries.get(prefix + "usr/lib/libx.so.1").getLinkName()).isEqualTo("libx.so.1.2");
    TarArchiveEntry library = entries.get(prefix + "usr/lib/libx.so.1.2");
    assertThat(library.isFile()).isTrue();
    assertThat(library.getSize()).isEqualTo(3);
  }

  @Test
  void entriesComeInNameOrderWithFixedTimesOwnersAndModes() throws IOException {
    Path runtime = Files.createDirectories(host.resolve("runtime/bin"));
    Path java = Files.writeString(runtime.resolve("java"), "launcher");
    Files.setPosixFilePermissions(java, PosixFilePermissions.fromString("rwxr-x---"));
    Files.setLastModifiedTime(java, FileTime.fromMillis(1_700_000_000_000L));
    RootFs root = new RootFs();
    root.directory("tmp", 01777, 0);
    root.directory("home/app", 0755, 1000);
    root.tree(host.resolve("runtime"), "opt/java/openjdk");
    root.file("etc/passwd", "app:x:1000:1000::/home/app:/sbin/nologin\n");

    Map<String, TarArchiveEntry> entries = entries(root);

    assertThat(entries.keySet())
        .containsExactly(
            "etc/",
            "etc/passwd",
            "home/",
            "home/app/",
            "opt/",
            "opt/java/",
            "opt/java/openjdk/",
            "opt/java/openjdk/bin/",
            "opt/java/openjdk/bin/java",
            "tmp/");
    assertThat(entries.get("tmp/").getMode()).isEqualTo(01777);
    assertThat(entries.get("home/app/").getLongUserId()).isEqualTo(1000);
    assertThat(entries.get("home/app/").getLongGroupId()).isEqualTo(1000);
    TarArchiveEntry launcher = entries.get("opt/java/openjdk/bin/java");
    assertThat(launcher.getMode()).isEqualTo(0755);
    assertThat(launcher.getLongUserId()).isZero();
    assertThat(launcher.getUserName()).isEmpty();
    assertThat(entries.values())
        .allSatisfy(e -> assertThat(e.getModTime().getTime()).isEqualTo(1000));
  }

  @Test
  void theSameEntriesGiveTheSameBytes() throws IOException {
    Path source = Files.createDirectories(host.resolve("runtime/lib"));
    Files.writeString(source.resolve("libjava.so"), "elf");
    RootFs first = new RootFs();
    first.tree(host.resolve("runtime"), "opt/java/openjdk");
    first.file("etc/group", "app:x:1000:\n");
    Files.setLastModifiedTime(source.resolve("libjava.so"), FileTime.fromMillis(0));
    RootFs second = new RootFs();
    second.file("etc/group", "app:x:1000:\n");
    second.tree(host.resolve("runtime"), "opt/java/openjdk");

    assertThat(tar(second)).isEqualTo(tar(first));
  }

  @Test
  void aFileCannotLieUnderASymbolicLink() {
    RootFs root = new RootFs();
    root.symlink("lib", "usr/lib");

    assertThatThrownBy(() -> root.file("lib/libc.so.6", "elf"))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("lib/libc.so.6");
  }

  private static byte[] tar(RootFs root) throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    root.writeTar(out);
    return out.toByteArray();
  }

  private static Map<String, TarArchiveEntry> entries(RootFs root) throws IOException {
    Map<String, TarArchiveEntry> entries = new LinkedHashMap<>();
    try (TarArchiveInputStream in =
        new TarArchiveInputStream(new ByteArrayInputStream(tar(root)))) {
      TarArchiveEntry entry;
      while ((entry = in.getNextEntry()) != null) {
        entries.put(entry.getName(), entry);
      }
    }
    return entries;
  }
}
