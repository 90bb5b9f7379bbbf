package io.llmforge.pipeline.rephrase;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;

/**
 * Rewrites already paid for, kept outside the job's atomic output so that a killed, failed or repeated run asks
 * the model only for what it does not have yet. A folder of JSON-lines files ({@code key, style, model, text});
 * each task writes a new file per batch under a hidden name and renames it into place, so readers never see half
 * a file. Spark reads the whole folder as a table; a key written twice (a retried task) is read once.
 */
public final class RephraseCache {
  public static final StructType SCHEMA = new StructType()
      .add("key", DataTypes.StringType, false)
      .add("style", DataTypes.StringType, true)
      .add("model", DataTypes.StringType, true)
      .add("text", DataTypes.StringType, false);

  private RephraseCache() {}

  /** Every cached rewrite as {@code (key, text)}, one row per key. */
  public static Dataset<Row> read(SparkSession spark, String dir) {
    Configuration conf = spark.sparkContext().hadoopConfiguration();
    if (!hasFiles(conf, dir)) {
      return spark.createDataFrame(List.of(), SCHEMA).select("key", "text");
    }
    return spark.read().schema(SCHEMA).json(dir).filter("key is not null and text is not null")
        .groupBy("key").agg(org.apache.spark.sql.functions.min("text").as("text"));
  }

  static boolean hasFiles(Configuration conf, String dir) {
    try {
      Path p = new Path(dir);
      FileSystem fs = p.getFileSystem(conf);
      if (!fs.exists(p)) {
        return false;
      }
      for (FileStatus f : fs.listStatus(p)) {
        if (f.getPath().getName().endsWith(".jsonl") && !f.getPath().getName().startsWith(".")) {
          return true;
        }
      }
      return false;
    } catch (IOException e) {
      throw new UncheckedIOException("cannot list rephrase cache " + dir, e);
    }
  }

  /** Executor side: buffers one batch of rewrites and publishes it as one file. */
  public static final class Writer {
    private static final ObjectMapper JSON = new ObjectMapper();
    private final FileSystem fs;
    private final Path dir;
    private final String tag = UUID.randomUUID().toString();
    private final List<String> lines = new ArrayList<>();
    private int files;

    public Writer(Configuration conf, String dir) {
      try {
        this.dir = new Path(dir);
        this.fs = this.dir.getFileSystem(conf);
        fs.mkdirs(this.dir);
      } catch (IOException e) {
        throw new UncheckedIOException("cannot create rephrase cache " + dir, e);
      }
    }

    public void add(String key, String style, String model, String text) {
      lines.add(JSON.createObjectNode().put("key", key).put("style", style).put("model", model).put("text", text)
          .toString());
    }

    /** Makes everything added so far durable: after this returns, a rerun will not ask for it again. */
    public void flush() {
      if (lines.isEmpty()) {
        return;
      }
      String name = String.format("part-%s-%05d.jsonl", tag, files++);
      Path hidden = new Path(dir, "." + name + ".tmp");
      try {
        try (OutputStream out = fs.create(hidden, true)) {
          out.write((String.join("\n", lines) + "\n").getBytes(StandardCharsets.UTF_8));
        }
        if (!fs.rename(hidden, new Path(dir, name))) {
          throw new IOException("rename " + hidden + " failed");
        }
      } catch (IOException e) {
        throw new UncheckedIOException("cannot write rephrase cache file " + name, e);
      }
      lines.clear();
    }
  }
}
