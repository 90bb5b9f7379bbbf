package io.llmforge.trainer.reward;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;

/**
 * A lock file that keeps two retraining runs of one reward-model folder apart: created with
 * {@code CREATE_NEW} (atomic on local and network file systems), holding the owner's host, pid and start time. A lock
 * left by a killed run is stale, and taken over, when its pid no longer runs on this host, or when it is older than
 * {@code staleAfter} (a run on another host that died).
 */
public final class RetrainLock implements AutoCloseable {
  public static final String FILE = ".lock";

  private final Path file;

  private RetrainLock(Path file) {
    this.file = file;
  }

  /** Who holds a lock. */
  public record Holder(String host, long pid, Instant since) {
    @Override
    public String toString() {
      return "pid " + pid + " on " + host + " since " + since;
    }
  }

  /**
   * Takes the lock of {@code root}, waiting up to {@code wait} for a live holder; empty when it is still held.
   * {@code notes} hears about a stale lock taken over.
   */
  public static Optional<RetrainLock> acquire(Path root, Duration wait, Duration staleAfter,
      java.io.PrintStream notes) {
    Path file = root.resolve(FILE);
    long deadline = System.nanoTime() + wait.toNanos();
    try {
      Files.createDirectories(root);
      while (true) {
        try {
          Files.writeString(file, host() + "\n" + ProcessHandle.current().pid() + "\n" + Instant.now() + "\n",
              java.nio.file.StandardOpenOption.CREATE_NEW, java.nio.file.StandardOpenOption.WRITE);
          return Optional.of(new RetrainLock(file));
        } catch (FileAlreadyExistsException held) {
          Optional<Holder> holder = holder(root);
          if (holder.isPresent() && stale(holder.get(), staleAfter)) {
            notes.println("rm-retrain: taking over the stale lock " + file + " (" + holder.get()
                + ", no longer running)");
            Files.deleteIfExists(file);
            continue;
          }
          if (System.nanoTime() >= deadline) {
            return Optional.empty();
          }
          Thread.sleep(500);
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot take the lock " + file, e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return Optional.empty();
    }
  }

  /** The current holder of {@code root}'s lock, if any (a half-written lock file reads as held just now). */
  public static Optional<Holder> holder(Path root) {
    try {
      String[] lines = Files.readString(root.resolve(FILE)).split("\n");
      if (lines.length < 3) {
        return Optional.of(new Holder("?", -1, Instant.now()));
      }
      return Optional.of(new Holder(lines[0], Long.parseLong(lines[1].strip()), Instant.parse(lines[2].strip())));
    } catch (NoSuchFileException e) {
      return Optional.empty();
    } catch (IOException | RuntimeException e) {
      return Optional.of(new Holder("?", -1, Instant.now()));
    }
  }

  static boolean stale(Holder h, Duration staleAfter) {
    if (h.host().equals(host()) && h.pid() > 0) {
      return ProcessHandle.of(h.pid()).map(p -> !p.isAlive()).orElse(true);
    }
    return Duration.between(h.since(), Instant.now()).compareTo(staleAfter) > 0;
  }

  private static String host() {
    try {
      return InetAddress.getLocalHost().getHostName();
    } catch (IOException e) {
      return "localhost";
    }
  }

  @Override
  public void close() {
    try {
      Files.deleteIfExists(file);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot release the lock " + file, e);
    }
  }
}
