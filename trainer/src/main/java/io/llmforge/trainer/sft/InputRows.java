package io.llmforge.trainer.sft;

import io.llmforge.pipeline.config.ConfigError;
import io.llmforge.pipeline.spark.AtomicOutput;
import io.llmforge.pipeline.spark.InputFiles;
import io.llmforge.pipeline.spark.SerializableHadoopConf;
import io.llmforge.pipeline.tokenizer.ByteLevelBpe;
import io.llmforge.pipeline.tokenizer.Sha256;
import io.llmforge.pipeline.tokenizer.TokenizerJson;
import io.llmforge.trainer.checkpoint.Checkpoint;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.zip.GZIPInputStream;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.LocatedFileStatus;
import org.apache.hadoop.fs.Path;
import org.apache.hadoop.fs.RemoteIterator;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;

/**
 * Reading conversation-like input files into Spark and accounting for what was written, shared by the jobs that
 * render chat data ({@code sft-prepare}, {@code pref-prepare}, {@code rm-score}): listing JSON / JSONL / Parquet
 * inputs, reading them into raw rows that keep unreadable ones with a reason, and hashing written Parquet files.
 */
public final class InputRows {
  public static final StructType RAW = new StructType()
      .add("source", DataTypes.StringType, false)
      .add("index", DataTypes.LongType, false)
      .add("json", DataTypes.StringType, true)
      .add("reason", DataTypes.StringType, true)
      .add("detail", DataTypes.StringType, true);

  private InputRows() {}

  /**
   * The model rows are rendered for: its checkpoint, tokenizer (checked to have the chat special tokens), the
   * tokenizer's canonical JSON (what is broadcast and hashed) and its block size.
   */
  public record BaseModel(java.nio.file.Path checkpoint, ByteLevelBpe tokenizer, byte[] canonicalTokenizer,
      int blockSize) {}

  /** Reads the {@code key} setting's model (a run folder or one checkpoint); fails naming the key without a tokenizer. */
  public static BaseModel baseModel(String key, String base) {
    java.nio.file.Path checkpoint = Checkpoint.resolve(java.nio.file.Path.of(base), System.err);
    java.nio.file.Path file = Checkpoint.tokenizerFile(checkpoint);
    if (!java.nio.file.Files.isRegularFile(file)) {
      throw new ConfigError(key + ": " + base + " has no " + Checkpoint.TOKENIZER);
    }
    ByteLevelBpe tokenizer = TokenizerJson.read(readLocal(file));
    new ChatTemplate(tokenizer); // fails now if the tokenizer lacks the chat special tokens
    return new BaseModel(checkpoint, tokenizer, TokenizerJson.writeBytes(tokenizer),
        Checkpoint.readConfig(checkpoint).blockSize());
  }

  /** Rows per {@code reason}, most first. */
  public static Map<String, Long> countByReason(Dataset<Row> rejected) {
    Map<String, Long> out = new LinkedHashMap<>();
    for (Row r : rejected.groupBy("reason").count().orderBy(org.apache.spark.sql.functions.col("count").desc())
        .collectAsList()) {
      out.put(r.getString(0), r.getLong(1));
    }
    return out;
  }

  /** Every input file: Parquet ones apart (read by Spark), the rest as JSON / JSON Lines; hidden files skipped. */
  public static void list(Configuration conf, String key, List<String> inputs, List<String> json, List<String> parquet) {
    for (String input : inputs) {
      try {
        Path pattern = new Path(input);
        FileSystem fs = pattern.getFileSystem(conf);
        FileStatus[] matches = fs.globStatus(pattern);
        if (matches == null || matches.length == 0) {
          throw new ConfigError(key + ": " + input + " not found");
        }
        for (FileStatus match : matches) {
          if (match.isDirectory()) {
            RemoteIterator<LocatedFileStatus> it = fs.listFiles(match.getPath(), true);
            while (it.hasNext()) {
              Path p = it.next().getPath();
              if (!InputFiles.isHidden(p, match.getPath())) {
                (p.getName().endsWith(".parquet") ? parquet : json).add(p.toString());
              }
            }
          } else {
            (match.getPath().getName().endsWith(".parquet") ? parquet : json).add(match.getPath().toString());
          }
        }
      } catch (IOException e) {
        throw new UncheckedIOException("cannot list " + input, e);
      }
    }
    json.sort(null);
    parquet.sort(null);
  }

  /**
   * The rows of the input files as {@link #RAW} rows: JSON / JSONL files one task per file, each streamed on its
   * executor ({@link ConversationFiles}); Parquet files through Spark, each row as its JSON text.
   */
  public static JavaRDD<Row> read(SparkSession spark, List<String> jsonFiles, List<String> parquetFiles) {
    JavaRDD<Row> raw = readJson(JavaSparkContext.fromSparkContext(spark.sparkContext()), jsonFiles);
    for (String p : parquetFiles) {
      raw = raw.union(spark.read().parquet(p).toJSON().javaRDD().zipWithIndex()
          .map(t -> RowFactory.create(p, t._2(), t._1(), null, null)));
    }
    return raw;
  }

  /** A {@link #RAW} row back as a record. */
  public static RawRow raw(Row r) {
    return new RawRow(r.getString(0), r.getLong(1), r.getString(2), r.getString(3), r.getString(4));
  }

  /** Each input file's last modification time (ms since the epoch). */
  public static Map<String, Long> modificationTimes(Configuration conf, List<String> files) {
    Map<String, Long> out = new LinkedHashMap<>();
    for (String f : files) {
      try {
        Path p = new Path(f);
        out.put(f, p.getFileSystem(conf).getFileStatus(p).getModificationTime());
      } catch (IOException e) {
        throw new UncheckedIOException("cannot stat " + f, e);
      }
    }
    return out;
  }

  /** Each input file's SHA-256 (the data manifest of a trained model names exactly what it read). */
  public static Map<String, String> sha256(Configuration conf, List<String> files) {
    Map<String, String> out = new LinkedHashMap<>();
    for (String f : files) {
      Path p = new Path(f);
      try (InputStream in = p.getFileSystem(conf).open(p)) {
        out.put(f, Sha256.hex(in));
      } catch (IOException e) {
        throw new UncheckedIOException("cannot read " + f, e);
      }
    }
    return out;
  }

  /** One task per JSON / JSONL file, each streamed into raw rows on its executor. */
  private static JavaRDD<Row> readJson(JavaSparkContext jsc, List<String> files) {
    if (files.isEmpty()) {
      return jsc.emptyRDD();
    }
    SerializableHadoopConf conf = new SerializableHadoopConf(jsc.hadoopConfiguration());
    return jsc.parallelize(files, files.size()).flatMap(file -> {
      Iterator<RawRow> rows;
      try {
        Path p = new Path(file);
        InputStream in = p.getFileSystem(conf.get()).open(p);
        rows = ConversationFiles.rows(file, file.endsWith(".gz") ? new GZIPInputStream(in, 1 << 16) : in);
      } catch (IOException e) {
        rows = List.of(ConversationFiles.broken(file, 0, e)).iterator();
      }
      Iterator<RawRow> source = rows;
      return new Iterator<Row>() {
        @Override
        public boolean hasNext() {
          return source.hasNext();
        }

        @Override
        public Row next() {
          RawRow r = source.next();
          return RowFactory.create(r.source(), r.index(), r.json(), r.reason(), r.detail());
        }
      };
    });
  }

  /** The written Parquet files of {@code splits} (staged in {@code out}), each with its rows (from its footer) and SHA-256. */
  public static List<SftManifest.DataFile> hashParquet(Configuration conf, AtomicOutput out, List<String> splits) {
    List<SftManifest.DataFile> files = new ArrayList<>();
    for (String split : splits) {
      try {
        Path dir = new Path(out.stagingPath(split));
        FileSystem fs = dir.getFileSystem(conf);
        List<FileStatus> parts = new ArrayList<>(List.of(fs.listStatus(dir, p -> p.getName().endsWith(".parquet"))));
        parts.sort(java.util.Comparator.comparing(f -> f.getPath().getName()));
        for (FileStatus f : parts) {
          long rows;
          try (var reader = org.apache.parquet.hadoop.ParquetFileReader.open(
              org.apache.parquet.hadoop.util.HadoopInputFile.fromPath(f.getPath(), conf))) {
            rows = reader.getRecordCount();
          }
          String sha;
          try (InputStream in = fs.open(f.getPath())) {
            sha = Sha256.hex(in);
          }
          files.add(new SftManifest.DataFile(split, split + "/" + f.getPath().getName(), rows, sha));
        }
      } catch (IOException e) {
        throw new UncheckedIOException("cannot hash the " + split + " files", e);
      }
    }
    return files;
  }

  public static byte[] readLocal(java.nio.file.Path file) {
    try {
      return java.nio.file.Files.readAllBytes(file);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read " + file, e);
    }
  }
}
