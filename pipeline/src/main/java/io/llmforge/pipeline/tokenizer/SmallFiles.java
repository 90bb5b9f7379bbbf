package io.llmforge.pipeline.tokenizer;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;

/** Whole-file reads and writes of small files (tokenizer.json, manifest.json) on any Hadoop filesystem. */
public final class SmallFiles {
  /** Refuse to read more than this: a "small file" that is not small is a wrong path. */
  private static final long LIMIT = 512L << 20;

  private SmallFiles() {}

  public static byte[] read(Configuration conf, String path) {
    try {
      Path p = new Path(path);
      FileSystem fs = p.getFileSystem(conf);
      long length = fs.getFileStatus(p).getLen();
      if (length > LIMIT) {
        throw new IllegalArgumentException(path + " is " + length + " bytes, too large for a metadata file");
      }
      try (InputStream in = fs.open(p)) {
        return in.readAllBytes();
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read " + path, e);
    }
  }

  public static void write(Configuration conf, String path, byte[] content) {
    try {
      Path p = new Path(path);
      try (OutputStream out = p.getFileSystem(conf).create(p, true)) {
        out.write(content);
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write " + path, e);
    }
  }

  public static boolean isDirectory(Configuration conf, String path) {
    try {
      Path p = new Path(path);
      return p.getFileSystem(conf).getFileStatus(p).isDirectory();
    } catch (java.io.FileNotFoundException e) {
      return false;
    } catch (IOException e) {
      throw new UncheckedIOException("cannot stat " + path, e);
    }
  }

  /**
   * Loads a tokenizer from a tokenizer.json file, or from a folder holding one (the tokenizer-train output).
   */
  public static byte[] readTokenizerJson(Configuration conf, String fileOrFolder) {
    String path = isDirectory(conf, fileOrFolder) ? new Path(fileOrFolder, "tokenizer.json").toString() : fileOrFolder;
    return read(conf, path);
  }
}
