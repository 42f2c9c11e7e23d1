package io.sagacoord.images.base;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFilePermission;
import java.time.Instant;
import java.util.Collections;
import java.util.Set;
import java.util.SortedMap;
import java.util.SortedSet;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.stream.Stream;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;
import org.apache.commons.compress.archivers.tar.TarConstants;

/**
 * The root file system of the base image, held as a sorted list of entries and written as one
 * layer. Every entry has the same modification time and numeric owners only, and the entries are
 * written in name order, so the same inputs give the same bytes.
 */
final class RootFs {

  /**
   * 1970-01-01T00:00:01Z: the time Jib gives its own layers' files (some tools read 0 as unset).
   */
  static final FileTime MTIME = FileTime.from(Instant.ofEpochSecond(1));

  private enum Kind {
    DIRECTORY,
    FILE,
    SYMLINK
  }

  private record Entry(
      Kind kind, int mode, int owner, Path source, byte[] content, String linkTarget) {}

  private final SortedMap<String, Entry> entries = new TreeMap<>();
  private final SortedSet<Path> hostFiles = new TreeSet<>();

  /** A directory; {@code owner} is both its user and group id. */
  void directory(String name, int mode, int owner) {
    parents(name);
    Entry existing = entries.get(name);
    if (existing != null && existing.kind() != Kind.DIRECTORY) {
      throw new IllegalStateException(name + " is already in the image as a " + existing.kind());
    }
    entries.put(name, new Entry(Kind.DIRECTORY, mode, owner, null, null, null));
  }

  void file(String name, byte[] content, int mode) {
    parents(name);
    entries.put(name, new Entry(Kind.FILE, mode, 0, null, content, null));
  }

  void file(String name, String content) {
    file(name, content.getBytes(StandardCharsets.UTF_8), 0644);
  }

  void file(String name, Path source, int mode) {
    parents(name);
    entries.put(name, new Entry(Kind.FILE, mode, 0, source, null, null));
  }

  void symlink(String name, String target) {
    parents(name);
    entries.put(name, new Entry(Kind.SYMLINK, 0777, 0, null, null, target));
  }

  /** Every file and directory under {@code source} at {@code prefix}, keeping execute bits. */
  void tree(Path source, String prefix) throws IOException {
    try (Stream<Path> paths = Files.walk(source)) {
      for (Path path : (Iterable<Path>) paths.sorted()::iterator) {
        String relative = source.relativize(path).toString();
        String name = relative.isEmpty() ? prefix : prefix + "/" + relative;
        if (Files.isSymbolicLink(path)) {
          symlink(name, Files.readSymbolicLink(path).toString());
        } else if (Files.isDirectory(path)) {
          directory(name, 0755, 0);
        } else {
          file(name, path, Files.isExecutable(path) ? 0755 : 0644);
        }
      }
    }
  }

  /**
   * A file of the build machine at the same path in the image, with the symbolic links on the way
   * to it (such as {@code /lib -> usr/lib} of a merged {@code /usr}) and what they point to, so
   * that the dynamic loader finds it where the programs copied from this machine look for it.
   */
  void hostFile(Path path) throws IOException {
    hostFile(path.toAbsolutePath().normalize(), 0);
  }

  /** Every file under a directory of the build machine, as {@link #hostFile(Path)} does. */
  void hostTree(Path directory) throws IOException {
    try (Stream<Path> paths = Files.walk(directory)) {
      for (Path path : (Iterable<Path>) paths.sorted()::iterator) {
        if (!Files.isDirectory(path, LinkOption.NOFOLLOW_LINKS)) {
          hostFile(path);
        }
      }
    }
  }

  private void hostFile(Path path, int depth) throws IOException {
    if (depth > 16) {
      throw new IOException("too many symbolic links on the way to " + path);
    }
    Path current = path.getRoot();
    int count = path.getNameCount();
    for (int i = 0; i < count; i++) {
      Path next = current.resolve(path.getName(i));
      String name = path.getRoot().relativize(next).toString();
      if (Files.isSymbolicLink(next)) {
        Path target = Files.readSymbolicLink(next);
        symlink(name, target.toString());
        Path resolved = next.getParent().resolve(target).normalize();
        hostFile(
            i + 1 < count ? resolved.resolve(path.subpath(i + 1, count)) : resolved, depth + 1);
        return;
      }
      if (i < count - 1 || Files.isDirectory(next, LinkOption.NOFOLLOW_LINKS)) {
        if (!entries.containsKey(name)) {
          directory(name, 0755, 0);
        }
      } else {
        file(name, next, mode(next));
        hostFiles.add(next);
      }
      current = next;
    }
  }

  /** The build machine's files copied by {@link #hostFile(Path)}. */
  SortedSet<Path> hostFiles() {
    return Collections.unmodifiableSortedSet(hostFiles);
  }

  private void parents(String name) {
    int slash = name.lastIndexOf('/');
    if (slash <= 0) {
      return;
    }
    String parent = name.substring(0, slash);
    Entry existing = entries.get(parent);
    if (existing == null) {
      directory(parent, 0755, 0);
    } else if (existing.kind() != Kind.DIRECTORY) {
      throw new IllegalStateException(name + " lies under " + parent + ", a " + existing.kind());
    }
  }

  /** Writes the entries as an uncompressed tar to {@code out}. */
  void writeTar(OutputStream out) throws IOException {
    TarArchiveOutputStream tar = new TarArchiveOutputStream(out, "UTF-8");
    tar.setLongFileMode(TarArchiveOutputStream.LONGFILE_POSIX);
    tar.setBigNumberMode(TarArchiveOutputStream.BIGNUMBER_POSIX);
    for (var item : entries.entrySet()) {
      String name = item.getKey();
      Entry entry = item.getValue();
      TarArchiveEntry header =
          switch (entry.kind()) {
            case DIRECTORY -> new TarArchiveEntry(name + "/", TarConstants.LF_DIR);
            case SYMLINK -> new TarArchiveEntry(name, TarConstants.LF_SYMLINK);
            case FILE -> new TarArchiveEntry(name, TarConstants.LF_NORMAL);
          };
      header.setMode(entry.mode());
      header.setUserId(entry.owner());
      header.setGroupId(entry.owner());
      header.setUserName("");
      header.setGroupName("");
      header.setLastModifiedTime(MTIME);
      if (entry.kind() == Kind.SYMLINK) {
        header.setLinkName(entry.linkTarget());
      }
      if (entry.kind() == Kind.FILE) {
        header.setSize(
            entry.content() != null ? entry.content().length : Files.size(entry.source()));
      }
      tar.putArchiveEntry(header);
      if (entry.content() != null) {
        tar.write(entry.content());
      } else if (entry.source() != null) {
        try (InputStream in = Files.newInputStream(entry.source())) {
          in.transferTo(tar);
        }
      }
      tar.closeArchiveEntry();
    }
    tar.finish();
  }

  private static int mode(Path path) throws IOException {
    Set<PosixFilePermission> permissions = Files.getPosixFilePermissions(path);
    int mode = 0;
    for (PosixFilePermission permission : permissions) {
      mode |= 1 << (8 - permission.ordinal());
    }
    return mode;
  }
}
