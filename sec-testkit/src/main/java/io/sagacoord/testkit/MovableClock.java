package io.sagacoord.testkit;

import java.io.IOException;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.Map;
import java.util.Optional;

/**
 * A clock that a test moves forward, shared with the processes it starts: the system clock plus an
 * offset that only grows. The offset lives in a small memory-mapped file; every process that opens
 * the file reads it on each {@link #instant()} (one volatile read of shared memory, no system
 * call), so a child coordinator sees a move at its next look at the clock and its due timers fire
 * without anybody waiting for them in real time.
 *
 * <pre>{@code
 * try (MovableClock clock = MovableClock.create()) {           // offset zero, file in the temp dir
 *   JavaProcess child = JavaProcess.builder(main)
 *       .systemProperty(MovableClock.PROPERTY, clock.file().toString())
 *       .start();
 *   clock.advance(Duration.ofMinutes(5));                      // the child's step timeouts pass
 * }
 * // in the child's main: its Clock, where a test gave one
 * MovableClock.fromSystemProperty().ifPresent(clock -> beans.registerSingleton("clock", clock));
 * }</pre>
 *
 * <p>Between moves it runs at the speed of the system clock, so everything in the process that
 * reads it (back-offs, heartbeats, leases) behaves as on the system clock. It never goes back:
 * {@link #advance} refuses a negative duration, and a move is an atomic update of the shared
 * memory, so any process that opened the file may move it. The zone is UTC unless {@link #withZone}
 * says otherwise.
 */
public final class MovableClock extends Clock implements AutoCloseable {

  /** The system property a child reads the file's path from ({@link #fromSystemProperty()}). */
  public static final String PROPERTY = "sec.testkit.clock";

  /** "SECCLOCK" in ASCII: marks a file this class made. */
  private static final long MAGIC = 0x534543434c4f434bL;

  private static final int SIZE = 16;
  private static final int MAGIC_AT = 0;
  private static final int OFFSET_AT = 8;

  /** Atomic, volatile access to the longs of the mapped file (aligned: a mapping starts a page). */
  private static final VarHandle LONGS =
      MethodHandles.byteBufferViewVarHandle(long[].class, ByteOrder.nativeOrder());

  private final Path file;
  private final ByteBuffer shared;
  private final ZoneId zone;
  private final boolean owner;

  private MovableClock(Path file, ByteBuffer shared, ZoneId zone, boolean owner) {
    this.file = file;
    this.shared = shared;
    this.zone = zone;
    this.owner = owner;
  }

  /**
   * A new clock at offset zero, in a new file under {@code java.io.tmpdir}; {@link #close()}
   * deletes the file.
   */
  public static MovableClock create() {
    Path file;
    try {
      file = Files.createTempFile("sec-testkit-clock-", ".bin");
    } catch (IOException e) {
      throw new TestkitException("could not create the file of a movable clock", e);
    }
    file.toFile().deleteOnExit();
    MappedByteBuffer shared = map(file);
    LONGS.setVolatile(shared, OFFSET_AT, 0L);
    LONGS.setVolatile(shared, MAGIC_AT, MAGIC);
    return new MovableClock(file, shared, ZoneOffset.UTC, true);
  }

  /** The clock kept in {@code file}, made by {@link #create()} in this or another process. */
  public static MovableClock open(Path file) {
    if (!Files.isRegularFile(file)) {
      throw new TestkitException("no movable clock at " + file + ": the file does not exist");
    }
    if (sizeOf(file) != SIZE) {
      throw new TestkitException(file + " is not the file of a movable clock");
    }
    MappedByteBuffer shared = map(file);
    if ((long) LONGS.getVolatile(shared, MAGIC_AT) != MAGIC) {
      throw new TestkitException(file + " is not the file of a movable clock");
    }
    return new MovableClock(file, shared, ZoneOffset.UTC, false);
  }

  /**
   * The clock named by the system property {@value #PROPERTY} (a file's path), or empty when the
   * property is not set.
   */
  public static Optional<MovableClock> fromSystemProperty() {
    String path = System.getProperty(PROPERTY);
    return path == null || path.isBlank() ? Optional.empty() : Optional.of(open(Path.of(path)));
  }

  private static long sizeOf(Path file) {
    try {
      return Files.size(file);
    } catch (IOException e) {
      throw new TestkitException("could not read the size of " + file, e);
    }
  }

  private static MappedByteBuffer map(Path file) {
    try (FileChannel channel =
        FileChannel.open(file, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
      // the mapping outlives the channel
      return channel.map(FileChannel.MapMode.READ_WRITE, 0, SIZE);
    } catch (IOException e) {
      throw new TestkitException("could not map the movable clock at " + file, e);
    }
  }

  /** The file that holds the offset: hand its path to a child in {@value #PROPERTY}. */
  public Path file() {
    return file;
  }

  /** {@value #PROPERTY} with this clock's file, as a map for a child's system properties. */
  public Map<String, String> childProperties() {
    return Map.of(PROPERTY, file.toString());
  }

  /** How far ahead of the system clock this clock is. */
  public Duration offset() {
    return Duration.ofNanos((long) LONGS.getVolatile(shared, OFFSET_AT));
  }

  /**
   * Moves the clock forward by {@code duration}, for every process that reads it.
   *
   * @throws IllegalArgumentException if {@code duration} is negative
   * @throws ArithmeticException if the offset would pass about 292 years
   */
  public void advance(Duration duration) {
    if (duration.isNegative()) {
      throw new IllegalArgumentException("a movable clock moves forward only, not by " + duration);
    }
    long nanos = duration.toNanos();
    long before;
    long after;
    do {
      before = (long) LONGS.getVolatile(shared, OFFSET_AT);
      after = Math.addExact(before, nanos);
    } while (!LONGS.compareAndSet(shared, OFFSET_AT, before, after));
  }

  @Override
  public Instant instant() {
    long offset = (long) LONGS.getVolatile(shared, OFFSET_AT);
    Instant now = Instant.now();
    return offset == 0 ? now : now.plusNanos(offset);
  }

  @Override
  public ZoneId getZone() {
    return zone;
  }

  /** The same shared offset in another zone. */
  @Override
  public MovableClock withZone(ZoneId zone) {
    return zone.equals(this.zone) ? this : new MovableClock(file, shared, zone, false);
  }

  /**
   * Deletes the file if this clock made it. The clock goes on reading the memory it mapped, as do
   * the processes that opened the file before.
   */
  @Override
  public void close() {
    if (owner) {
      try {
        Files.deleteIfExists(file);
      } catch (IOException e) {
        throw new TestkitException("could not delete the movable clock at " + file, e);
      }
    }
  }

  @Override
  public String toString() {
    return "MovableClock[" + file + ", offset " + offset() + ", " + zone + "]";
  }
}
