package io.llmforge.quality;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;

/** Small text files (metrics.json) and existence checks on any Hadoop filesystem. */
final class HadoopFiles {
  private HadoopFiles() {}

  static void writeString(Configuration conf, String path, String content) {
    try {
      Path p = new Path(path);
      try (OutputStream out = p.getFileSystem(conf).create(p, true)) {
        out.write(content.getBytes(StandardCharsets.UTF_8));
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write " + path, e);
    }
  }

  /** Whether {@code path} (a file, folder or glob) names anything. */
  static boolean exists(Configuration conf, String path) {
    try {
      Path p = new Path(path);
      FileStatus[] matches = p.getFileSystem(conf).globStatus(p);
      return matches != null && matches.length > 0;
    } catch (IOException e) {
      throw new UncheckedIOException("cannot look up " + path, e);
    }
  }

  static String readString(Configuration conf, String path) {
    try {
      Path p = new Path(path);
      FileSystem fs = p.getFileSystem(conf);
      try (InputStream in = fs.open(p)) {
        return new String(in.readAllBytes(), StandardCharsets.UTF_8);
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read " + path, e);
    }
  }
}
