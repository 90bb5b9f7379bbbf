package io.llmforge.trainer.reward;

import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Keeps two retraining runs of one reward-model folder apart: an operating-system lock ({@link FileLock}: fcntl on
 * Linux, also over NFSv4) on {@code rm/.lock}, which the kernel releases when the holder dies, so a run killed with
 * SIGKILL never blocks the next one. The file itself stays (deleting a lock file lets two runs lock two different
 * files of the same name); it holds the owner's host, pid and start time while held, for the "who holds it" message,
 * and is emptied on release, so a non-empty file found unlocked is the trace of a killed run.
 *
 * <p>POSIX drops a process's fcntl locks on a file when it closes any descriptor of that file, so the holding JVM
 * never opens the file a second time: the lock's own channel reads and writes it, and locks held in this JVM are
 * known from {@link #HELD} without touching the file.
 */
public final class RetrainLock implements AutoCloseable {
  public static final String FILE = ".lock";
  private static final Map<Path, Holder> HELD = new ConcurrentHashMap<>();

  private final Path file;
  private final FileChannel channel;
  private final FileLock lock;

  private RetrainLock(Path file, FileChannel channel, FileLock lock) {
    this.file = file;
    this.channel = channel;
    this.lock = lock;
  }

  /** Who holds (or held) a lock. */
  public record Holder(String host, long pid, Instant since) {
    @Override
    public String toString() {
      return "pid " + pid + " on " + host + " since " + since;
    }
  }

  /**
   * Takes the lock of {@code root}, waiting up to {@code wait} while another run holds it; empty when it is still held.
   * {@code notes} hears about a lock left behind by a killed run.
   */
  public static Optional<RetrainLock> acquire(Path root, Duration wait, PrintStream notes) {
    Path file = root.resolve(FILE).toAbsolutePath().normalize();
    long deadline = System.nanoTime() + wait.toNanos();
    try {
      Files.createDirectories(root);
      while (true) {
        Optional<RetrainLock> taken = tryTake(file, notes);
        if (taken.isPresent() || System.nanoTime() >= deadline) {
          return taken;
        }
        Thread.sleep(500);
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot take the lock " + file, e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return Optional.empty();
    }
  }

  private static synchronized Optional<RetrainLock> tryTake(Path file, PrintStream notes) throws IOException {
    if (HELD.containsKey(file)) {
      return Optional.empty();
    }
    FileChannel channel = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.READ,
        StandardOpenOption.WRITE);
    FileLock lock = channel.tryLock();
    if (lock == null) {
      channel.close(); // this JVM holds no lock on the file, so closing drops none
      return Optional.empty();
    }
    ByteBuffer previous = ByteBuffer.allocate((int) Math.min(4096, channel.size()));
    channel.read(previous, 0);
    parse(new String(previous.array(), 0, previous.position(), StandardCharsets.UTF_8)).ifPresent(h ->
        notes.println("rm-retrain: the lock " + file + " was left by a run that was killed (" + h + "); taking it "
            + "over"));
    Holder me = new Holder(host(), ProcessHandle.current().pid(), Instant.now());
    channel.truncate(0);
    channel.write(ByteBuffer.wrap((me.host() + "\n" + me.pid() + "\n" + me.since() + "\n")
        .getBytes(StandardCharsets.UTF_8)), 0);
    channel.force(false);
    HELD.put(file, me);
    return Optional.of(new RetrainLock(file, channel, lock));
  }

  /** What the lock file says: its holder (or the killed run that last held it); empty when free and clean. */
  public static Optional<Holder> holder(Path root) {
    Path file = root.resolve(FILE).toAbsolutePath().normalize();
    Holder mine = HELD.get(file);
    if (mine != null) {
      return Optional.of(mine);
    }
    try {
      return parse(Files.readString(file));
    } catch (NoSuchFileException e) {
      return Optional.empty();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read " + file, e);
    }
  }

  private static Optional<Holder> parse(String text) {
    String[] lines = text.split("\n");
    if (lines.length < 3) {
      return Optional.empty();
    }
    try {
      return Optional.of(new Holder(lines[0], Long.parseLong(lines[1].strip()), Instant.parse(lines[2].strip())));
    } catch (RuntimeException e) {
      return Optional.empty(); // half-written by a run killed while taking the lock
    }
  }

  private static String host() {
    try {
      return InetAddress.getLocalHost().getHostName();
    } catch (IOException e) {
      return "localhost";
    }
  }

  /** Empties the file and releases the lock. */
  @Override
  public void close() {
    synchronized (RetrainLock.class) {
      try {
        channel.truncate(0);
        lock.release();
        channel.close();
      } catch (IOException e) {
        throw new UncheckedIOException("cannot release the lock " + file, e);
      } finally {
        HELD.remove(file);
      }
    }
  }
}
