package io.llmforge.pipeline.spark;

import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.UUID;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;

/**
 * A job's output folder, written atomically: everything goes into a hidden staging folder next to the target,
 * {@code stats.json} and {@code _SUCCESS} are added last, and only then is the staging folder renamed onto the
 * target. A killed job leaves at most a hidden {@code .name.staging-*} folder that no later step reads; the
 * next run of the job ignores it and starts a fresh one.
 *
 * <p>Rename is atomic on HDFS and local filesystems. On object stores (s3a) it is a copy: there the
 * {@code _SUCCESS} marker, written last, is what readers must check, and {@link #isComplete} does.
 */
public final class AtomicOutput {
  public static final String SUCCESS = "_SUCCESS";
  public static final String STATS = "stats.json";

  private final FileSystem fs;
  private final Path target;
  private final Path staging;

  private AtomicOutput(FileSystem fs, Path target, Path staging) {
    this.fs = fs;
    this.target = target;
    this.staging = staging;
  }

  /** True when {@code path} is a finished output of some job (has its {@code _SUCCESS} marker). */
  public static boolean isComplete(Configuration conf, String path) {
    try {
      Path p = new Path(path);
      return p.getFileSystem(conf).exists(new Path(p, SUCCESS));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /**
   * Starts writing {@code output}. Fails when the output exists but is not a finished job output and
   * {@code overwrite} is off, so a job never silently mixes its files into an unrelated folder.
   */
  public static AtomicOutput begin(Configuration conf, String output, boolean overwrite) {
    try {
      Path target = new Path(output);
      FileSystem fs = target.getFileSystem(conf);
      target = fs.makeQualified(target);
      if (fs.exists(target) && !overwrite) {
        throw new IllegalStateException(output + " already exists" + (fs.exists(new Path(target, SUCCESS))
            ? " and is finished; pass --overwrite to recompute it" : " and is not a finished llmforge output; "
            + "remove it or pass --overwrite"));
      }
      Path staging = new Path(target.getParent(), "." + target.getName() + ".staging-" + UUID.randomUUID());
      fs.mkdirs(staging);
      return new AtomicOutput(fs, target, staging);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot prepare output " + output, e);
    }
  }

  /** Where a part of the output (e.g. {@code documents}) is written before the commit. */
  public String stagingPath(String child) {
    return new Path(staging, child).toString();
  }

  public String targetPath(String child) {
    return new Path(target, child).toString();
  }

  public String target() {
    return target.toString();
  }

  /** Writes {@code stats.json} and {@code _SUCCESS}, then moves the staging folder onto the target. */
  public void commit(String statsJson) {
    try {
      write(new Path(staging, STATS), statsJson);
      write(new Path(staging, SUCCESS), "");
      Path trash = null;
      if (fs.exists(target)) {
        trash = new Path(target.getParent(), "." + target.getName() + ".replaced-" + UUID.randomUUID());
        rename(target, trash);
      }
      rename(staging, target);
      if (trash != null) {
        fs.delete(trash, true);
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot commit output " + target, e);
    }
  }

  /** Deletes the staging folder; the target is untouched. */
  public void abort() {
    try {
      fs.delete(staging, true);
    } catch (IOException e) {
      // Best effort: a leftover hidden staging folder is harmless.
    }
  }

  private void rename(Path from, Path to) throws IOException {
    if (!fs.rename(from, to)) {
      throw new IOException("rename " + from + " -> " + to + " failed");
    }
  }

  private void write(Path path, String content) throws IOException {
    try (OutputStream out = fs.create(path, true)) {
      out.write(content.getBytes(StandardCharsets.UTF_8));
    }
  }
}
