package io.llmforge.pipeline.spark;

import io.llmforge.pipeline.config.ConfigError;
import io.llmforge.pipeline.ingest.InputFormat;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.LocatedFileStatus;
import org.apache.hadoop.fs.Path;
import org.apache.hadoop.fs.RemoteIterator;

/**
 * Expands input paths, folders and globs on any Hadoop filesystem into the files to read. Runs on the driver
 * and touches only metadata. Hidden files ({@code .x}, {@code _x}) are skipped as Hadoop does; with format
 * {@code auto} files of unknown type are skipped and reported.
 */
public final class InputFiles {
  private InputFiles() {}

  /** @param format null for auto-detection by file name */
  public static Listing list(Configuration conf, List<String> inputs, InputFormat format) {
    List<InputFile> files = new ArrayList<>();
    List<String> skipped = new ArrayList<>();
    for (String input : inputs) {
      try {
        Path pattern = new Path(input);
        FileSystem fs = pattern.getFileSystem(conf);
        FileStatus[] matches = fs.globStatus(pattern);
        if (matches == null || matches.length == 0) {
          throw new ConfigError("input not found: " + input);
        }
        for (FileStatus match : matches) {
          if (match.isDirectory()) {
            RemoteIterator<LocatedFileStatus> it = fs.listFiles(match.getPath(), true);
            while (it.hasNext()) {
              LocatedFileStatus status = it.next();
              if (!isHidden(status.getPath(), match.getPath())) {
                add(status, format, files, skipped);
              }
            }
          } else {
            add(match, format, files, skipped);
          }
        }
      } catch (IOException e) {
        throw new UncheckedIOException("cannot list input " + input, e);
      }
    }
    // Largest first, so the longest tasks start early and do not straggle at the end of the stage.
    files.sort(Comparator.comparingLong(InputFile::bytes).reversed().thenComparing(InputFile::path));
    return new Listing(List.copyOf(files), List.copyOf(skipped));
  }

  private static void add(FileStatus status, InputFormat format, List<InputFile> files, List<String> skipped) {
    String path = status.getPath().toString();
    Optional<InputFormat> chosen = format != null ? Optional.of(format) : InputFormat.detect(status.getPath().getName());
    if (chosen.isPresent()) {
      files.add(new InputFile(path, chosen.get(), status.getLen()));
    } else {
      skipped.add(path);
    }
  }

  /** Whether {@code file}, or a folder between it and {@code root}, is hidden ({@code .x}, {@code _x}). */
  public static boolean isHidden(Path file, Path root) {
    for (Path p = file; p != null && !p.equals(root); p = p.getParent()) {
      String name = p.getName();
      if (name.startsWith(".") || name.startsWith("_")) {
        return true;
      }
    }
    return false;
  }

  /** @param skipped files ignored because their format could not be told from their name */
  public record Listing(List<InputFile> files, List<String> skipped) {}
}
