package io.llmforge.trainer.checkpoint;

import io.llmforge.pipeline.spark.JobStats;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Comparator;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * A trainer's output folder: checkpoints, metrics, and {@code stats.json} + {@code _SUCCESS} once the run reached
 * its last step. The rules every trainer follows: overwrite deletes the folder; a finished run is skipped unless
 * asked for more steps than it has (then it is reopened and continued); a folder with checkpoints of another run is
 * refused unless resuming.
 */
public final class RunFolder {
  public static final String SUCCESS = "_SUCCESS";
  public static final String STATS = "stats.json";

  private RunFolder() {}

  /**
   * Readies {@code out} for a run of {@code maxSteps}: returns the "skipped" stats of a finished run, else empty.
   * Afterwards either the folder holds resumable checkpoints (and {@code resume} is true) or it holds none.
   */
  public static Optional<JobStats> open(String job, Path out, boolean overwrite, boolean resume, long maxSteps,
      PrintStream console) {
    if (overwrite) {
      delete(out);
    } else if (Files.exists(out.resolve(SUCCESS))) {
      Optional<Path> done = Checkpoint.latestGood(out, console);
      if (done.isPresent() && Checkpoint.readState(done.get()).step() >= maxSteps) {
        console.println(job + ": " + out + " is finished (has " + SUCCESS + "); skipped (use --overwrite to redo)");
        return Optional.of(new JobStats().put("skipped", true).put("output", out.toString()));
      }
      unmarkFinished(out); // asked for more steps than the finished run: continue it
    }
    if (Checkpoint.exists(out) && !resume) {
      throw new IllegalStateException(out + " holds checkpoints of another run and " + job + ".resume is false; use "
          + "--overwrite to replace them, or another output");
    }
    if (Checkpoint.exists(out) && Checkpoint.latestGood(out, console).isEmpty()) {
      throw new IllegalStateException(out + " has checkpoints but none is usable (see above); use --overwrite to "
          + "start over");
    }
    create(out);
    return Optional.empty();
  }

  /** Writes stats.json, then _SUCCESS: a reader that sees _SUCCESS sees the final stats. */
  public static void finish(Path out, JobStats stats) {
    try {
      Path tmp = out.resolve("." + STATS + ".tmp");
      Files.writeString(tmp, stats.toJson());
      Files.move(tmp, out.resolve(STATS), StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
      Files.writeString(out.resolve(SUCCESS), "");
    } catch (IOException e) {
      throw new UncheckedIOException("cannot finish " + out, e);
    }
  }

  public static void create(Path out) {
    try {
      Files.createDirectories(out);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot create " + out, e);
    }
  }

  public static void delete(Path dir) {
    if (!Files.exists(dir)) {
      return;
    }
    try (Stream<Path> paths = Files.walk(dir)) {
      for (Path p : paths.sorted(Comparator.reverseOrder()).toList()) {
        Files.delete(p);
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot delete " + dir, e);
    }
  }

  private static void unmarkFinished(Path out) {
    try {
      Files.deleteIfExists(out.resolve(SUCCESS));
      Files.deleteIfExists(out.resolve(STATS));
    } catch (IOException e) {
      throw new UncheckedIOException("cannot reopen " + out, e);
    }
  }
}
