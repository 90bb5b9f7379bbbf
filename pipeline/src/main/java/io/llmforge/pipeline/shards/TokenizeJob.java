package io.llmforge.pipeline.shards;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.count;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.sum;
import static org.apache.spark.sql.functions.when;

import io.llmforge.pipeline.spark.AtomicOutput;
import io.llmforge.pipeline.spark.JobStats;
import io.llmforge.pipeline.spark.SerializableHadoopConf;
import io.llmforge.pipeline.tokenizer.ByteLevelBpe;
import io.llmforge.pipeline.tokenizer.IntList;
import io.llmforge.pipeline.tokenizer.Sha256;
import io.llmforge.pipeline.tokenizer.SmallFiles;
import io.llmforge.pipeline.tokenizer.TokenizerCache;
import io.llmforge.pipeline.tokenizer.TokenizerJson;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.parquet.hadoop.ParquetFileReader;
import org.apache.parquet.hadoop.util.HadoopInputFile;
import org.apache.spark.api.java.JavaPairRDD;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.api.java.function.MapPartitionsFunction;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.NumericType;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;
import org.apache.spark.storage.StorageLevel;
import scala.Tuple2;
import scala.Tuple3;

/**
 * The tokenize job: documents Parquet + tokenizer.json in, token shards out (DESIGN.md, "shards").
 *
 * <ol>
 *   <li>Encode each document (special-token text in a page stays text) and append {@code <|endoftext|>}; pick
 *   its split and its number of copies from stable hashes of its id.</li>
 *   <li>Count tokens per split and per source (one aggregation over the cached encodings), which sizes the
 *   shards.</li>
 *   <li>Shuffle copies into packing partitions by a seeded hash and sort each partition by it: the document
 *   order inside a shard is random but the same on every run.</li>
 *   <li>Pack each partition into rows of seq_len + 1 ids and write one Parquet file per partition, renamed to
 *   {@code train/shard-NNNNN.parquet} / {@code val/shard-NNNNN.parquet}.</li>
 *   <li>Hash the files (on executors), write {@code manifest.json} and the canonical {@code tokenizer.json},
 *   and commit atomically.</li>
 * </ol>
 */
public final class TokenizeJob {
  static final String DOC_ID = "doc_id";
  static final String REPHRASE_OF = "rephrase_of";
  static final String NO_SOURCE = "(none)";
  static final String OTHER_SOURCES = "(other)";
  private static final String PARTS = "_parts";
  private static final Pattern PART_FILE = Pattern.compile("part-(\\d+)-.*\\.parquet");

  /** The cached per-document encoding. */
  static final StructType ENCODED = new StructType()
      .add(DOC_ID, DataTypes.StringType, false)
      .add("split", DataTypes.IntegerType, false)
      .add("copies", DataTypes.IntegerType, false)
      .add("mix", DataTypes.StringType, false)
      .add("n_tokens", DataTypes.IntegerType, false)
      .add("tokens", DataTypes.createArrayType(DataTypes.IntegerType, false), false);

  /** The shard contract: one column of exactly seq_len + 1 ids. */
  public static final StructType SHARD_SCHEMA = new StructType()
      .add(ShardReader.TOKENS, DataTypes.createArrayType(DataTypes.IntegerType, false), false);

  private TokenizeJob() {}

  public static JobStats run(SparkSession spark, TokenizeSettings settings) {
    Configuration hadoop = spark.sparkContext().hadoopConfiguration();
    if (!settings.overwrite() && AtomicOutput.isComplete(hadoop, settings.output())) {
      System.out.println("tokenize: " + settings.output() + " is finished; skipping (use --overwrite)");
      return new JobStats().put("skipped", true).put("output", settings.output());
    }
    long t0 = System.nanoTime();
    ByteLevelBpe tokenizer = TokenizerJson.read(SmallFiles.readTokenizerJson(hadoop, settings.tokenizer()));
    byte[] canonical = TokenizerJson.writeBytes(tokenizer); // the file the manifest's sha256 names
    int eot = tokenizer.endOfTextId();

    Dataset<Row> docs = spark.read().parquet(settings.input().toArray(String[]::new));
    Dataset<Row> selected = selectColumns(docs, settings);
    boolean weighted = hasColumn(docs, settings.weightColumn());
    String mixtureColumn = hasColumn(docs, settings.mixtureColumn()) ? settings.mixtureColumn() : "";
    JavaSparkContext jsc = JavaSparkContext.fromSparkContext(spark.sparkContext());
    Broadcast<byte[]> tokenizerJson = jsc.broadcast(canonical);

    AtomicOutput out = AtomicOutput.begin(hadoop, settings.output(), settings.overwrite());
    Dataset<Row> encoded = null;
    try {
      encoded = selected.mapPartitions(new Encode(tokenizerJson, settings, eot), Encoders.row(ENCODED))
          .persist(StorageLevel.MEMORY_AND_DISK());
      Counts counts = counts(encoded, settings.mixtureEntries(), mixtureColumn);
      long t1 = System.nanoTime();

      int rowLength = settings.rowLength();
      int trainShards = shardCount(counts.tokens(0), rowLength, settings.rowsPerShard());
      int valShards = shardCount(counts.tokens(1), rowLength, settings.rowsPerShard());
      List<ShardManifest.Shard> shards = List.of();
      if (trainShards + valShards > 0) {
        JavaRDD<Row> rows = pack(encoded, settings, trainShards, valShards);
        spark.createDataFrame(rows, SHARD_SCHEMA).write().parquet(out.stagingPath(PARTS));
        shards = nameAndHash(jsc, hadoop, out, trainShards);
      }
      long t2 = System.nanoTime();

      Map<String, ShardManifest.Split> splits = new LinkedHashMap<>();
      for (int s = 0; s < 2; s++) {
        String name = s == 0 ? ShardManifest.TRAIN : ShardManifest.VAL;
        long rowsOfSplit = shards.stream().filter(x -> x.split().equals(name)).mapToLong(ShardManifest.Shard::rows).sum();
        splits.put(name, new ShardManifest.Split(counts.documents(s), counts.copies(s), counts.tokens(s), rowsOfSplit,
            counts.tokens(s) - rowsOfSplit * rowLength));
      }
      ShardManifest manifest = new ShardManifest(ShardManifest.FORMAT, Sha256.hex(canonical), tokenizer.vocabSize(),
          eot, settings.seqLen(), rowLength, settings.seed(), settings.valFraction(), splits,
          counts.mixtureColumn(), counts.mixture(), shards);
      SmallFiles.write(hadoop, out.stagingPath(ShardManifest.TOKENIZER_FILE), canonical);
      SmallFiles.write(hadoop, out.stagingPath(ShardManifest.FILE), manifest.toJson().getBytes(StandardCharsets.UTF_8));

      JobStats stats = new JobStats()
          .put("input", settings.input())
          .put("output", out.target())
          .put("tokenizer_sha256", manifest.tokenizerSha256())
          .put("vocab_size", tokenizer.vocabSize())
          .put("seq_len", settings.seqLen())
          .put("input_documents", counts.inputDocuments())
          .put("documents_without_text", counts.withoutText())
          .put("documents_weight_zero", counts.weightZero())
          .put("weights_used", weighted);
      for (Map.Entry<String, ShardManifest.Split> e : splits.entrySet()) {
        ShardManifest.Split s = e.getValue();
        Map<String, Object> split = new LinkedHashMap<>();
        split.put("documents", s.documents());
        split.put("copies", s.copies());
        split.put("tokens", s.tokens());
        split.put("rows", s.rows());
        split.put("dropped_tokens", s.droppedTokens());
        split.put("shards", manifest.shardsOf(e.getKey()).size());
        stats.put(e.getKey(), split);
      }
      long accounted = counts.documents(0) + counts.documents(1) + counts.withoutText() + counts.weightZero();
      if (accounted != counts.inputDocuments()) {
        throw new IllegalStateException("document accounting is off: " + counts.inputDocuments() + " in, "
            + accounted + " accounted for");
      }
      stats.put("documents_accounted", accounted)
          .put("mixture_column", counts.mixtureColumn())
          .put("mixture_top", topShares(counts.mixture(), 10))
          .put("seconds_encoding", (t1 - t0) / 1e9)
          .put("seconds_packing", (t2 - t1) / 1e9);
      out.commit(stats.toJson());
      return stats;
    } catch (RuntimeException e) {
      out.abort();
      throw e;
    } finally {
      if (encoded != null) {
        encoded.unpersist();
      }
      tokenizerJson.destroy();
    }
  }

  /** doc_id, text, weight, mix, split_key: the columns the job reads, with defaults where the input has none. */
  static Dataset<Row> selectColumns(Dataset<Row> docs, TokenizeSettings s) {
    requireType(docs, DOC_ID, DataTypes.StringType, s);
    requireType(docs, s.textColumn(), DataTypes.StringType, s);
    org.apache.spark.sql.Column weight = lit(null).cast(DataTypes.DoubleType);
    if (hasColumn(docs, s.weightColumn())) {
      DataType type = docs.schema().apply(s.weightColumn()).dataType();
      if (!(type instanceof NumericType)) {
        throw new IllegalArgumentException(s.input() + ": weight column '" + s.weightColumn() + "' is "
            + type.simpleString() + ", expected a number");
      }
      weight = col(s.weightColumn()).cast(DataTypes.DoubleType);
    }
    org.apache.spark.sql.Column mix = hasColumn(docs, s.mixtureColumn())
        ? col(s.mixtureColumn()).cast(DataTypes.StringType) : lit(NO_SOURCE);
    org.apache.spark.sql.Column splitKey = hasColumn(docs, REPHRASE_OF)
        ? when(col(REPHRASE_OF).isNotNull(), col(REPHRASE_OF)).otherwise(col(DOC_ID)) : col(DOC_ID);
    return docs.select(col(DOC_ID), col(s.textColumn()).as("text"), weight.as("weight"), mix.as("mix"),
        splitKey.as("split_key"));
  }

  static boolean hasColumn(Dataset<Row> docs, String name) {
    return !name.isEmpty() && Arrays.asList(docs.schema().fieldNames()).contains(name);
  }

  private static void requireType(Dataset<Row> docs, String column, DataType type, TokenizeSettings s) {
    StructField f = Arrays.stream(docs.schema().fields()).filter(x -> x.name().equals(column)).findFirst()
        .orElseThrow(() -> new IllegalArgumentException(s.input() + ": no column '" + column + "'; found "
            + docs.schema().simpleString()));
    if (!f.dataType().sameType(type)) {
      throw new IllegalArgumentException(s.input() + ": column '" + column + "' is " + f.dataType().simpleString()
          + ", expected " + type.simpleString());
    }
  }

  /** Shards for a split: enough that each holds about {@code rowsPerShard} rows; none for an empty split. */
  static int shardCount(long tokens, int rowLength, int rowsPerShard) {
    long rows = tokens / rowLength;
    if (rows == 0) {
      return tokens > 0 ? 1 : 0;
    }
    return (int) Math.min(100_000, (rows + rowsPerShard - 1) / rowsPerShard);
  }

  /** Executor side of step 1: encode, choose split and copies. */
  static final class Encode implements MapPartitionsFunction<Row, Row> {
    private final Broadcast<byte[]> tokenizerJson;
    private final TokenizeSettings settings;
    private final int eot;

    Encode(Broadcast<byte[]> tokenizerJson, TokenizeSettings settings, int eot) {
      this.tokenizerJson = tokenizerJson;
      this.settings = settings;
      this.eot = eot;
    }

    @Override
    public Iterator<Row> call(Iterator<Row> rows) {
      ByteLevelBpe tokenizer = TokenizerCache.get(tokenizerJson.value());
      IntList ids = new IntList(4096);
      return new Iterator<>() {
        @Override
        public boolean hasNext() {
          return rows.hasNext();
        }

        @Override
        public Row next() {
          Row r = rows.next();
          String docId = r.getString(0);
          String text = r.getString(1);
          Double weight = r.isNullAt(2) ? null : r.getDouble(2);
          String mix = r.getString(3);
          String splitKey = r.getString(4);
          int split = StableHash.unit(settings.seed(), "split", splitKey) < settings.valFraction() ? 1 : 0;
          if (text == null || text.isEmpty()) { // nothing to learn from; counted, not silently packed as a lone separator
            return RowFactory.create(docId, split, -1, mix == null ? NO_SOURCE : mix, 0, new int[0]);
          }
          int copies = Repeats.copies(weight, settings.maxRepeats(), StableHash.unit(settings.seed(), "repeat", docId));
          int[] tokens = new int[0];
          if (copies > 0) {
            ids.clear();
            tokenizer.encodeOrdinary(text, ids);
            ids.add(eot);
            tokens = ids.toArray();
          }
          return RowFactory.create(docId, split, copies, mix == null ? NO_SOURCE : mix, tokens.length, tokens);
        }
      };
    }
  }

  /** What step 2 learns: per split (0 train, 1 val) documents, copies and tokens; the mixture. */
  record Counts(long inputDocuments, long withoutText, long weightZero, long[] documentsBySplit, long[] copiesBySplit,
      long[] tokensBySplit, String mixtureColumn, List<ShardManifest.MixtureEntry> mixture) {
    long documents(int split) {
      return documentsBySplit[split];
    }

    long copies(int split) {
      return copiesBySplit[split];
    }

    long tokens(int split) {
      return tokensBySplit[split];
    }
  }

  static Counts counts(Dataset<Row> encoded, int mixtureEntries, String mixtureColumn) {
    org.apache.spark.sql.Column kept = col("copies").gt(0);
    org.apache.spark.sql.Column copyTokens = col("n_tokens").cast(DataTypes.LongType).multiply(col("copies"));
    List<Row> bySplit = encoded.groupBy("split").agg(
        count(lit(1)),
        sum(when(col("copies").lt(0), 1).otherwise(0)),
        sum(when(col("copies").equalTo(0), 1).otherwise(0)),
        sum(when(kept, 1).otherwise(0)),
        sum(when(kept, col("copies")).otherwise(0)),
        sum(when(kept, copyTokens).otherwise(0L))).collectAsList();
    long input = 0;
    long withoutText = 0;
    long weightZero = 0;
    long[] documents = new long[2];
    long[] copies = new long[2];
    long[] tokens = new long[2];
    for (Row r : bySplit) {
      int s = r.getInt(0);
      input += r.getLong(1);
      withoutText += r.getLong(2);
      weightZero += r.getLong(3);
      documents[s] = r.getLong(4);
      copies[s] = r.getLong(5);
      tokens[s] = r.getLong(6);
    }
    List<Row> top = encoded.filter(col("split").equalTo(0).and(kept)).groupBy("mix")
        .agg(count(lit(1)).as("documents"), sum(copyTokens).as("tokens"))
        .orderBy(col("tokens").desc(), col("mix").asc()).limit(mixtureEntries).collectAsList();
    List<ShardManifest.MixtureEntry> mixture = new ArrayList<>();
    long listedDocs = 0;
    long listedTokens = 0;
    for (Row r : top) {
      long t = r.getLong(2);
      mixture.add(new ShardManifest.MixtureEntry(r.getString(0), r.getLong(1), t, share(t, tokens[0])));
      listedDocs += r.getLong(1);
      listedTokens += t;
    }
    if (listedTokens < tokens[0]) {
      long rest = tokens[0] - listedTokens;
      mixture.add(new ShardManifest.MixtureEntry(OTHER_SOURCES, documents[0] - listedDocs, rest, share(rest, tokens[0])));
    }
    return new Counts(input, withoutText, weightZero, documents, copies, tokens, mixtureColumn, mixture);
  }

  private static double share(long part, long total) {
    return total == 0 ? 0.0 : (double) part / total;
  }

  private static Map<String, Double> topShares(List<ShardManifest.MixtureEntry> mixture, int n) {
    Map<String, Double> top = new LinkedHashMap<>();
    mixture.stream().limit(n).forEach(e -> top.put(e.name(), Math.round(e.share() * 10_000) / 10_000.0));
    return top;
  }

  /** Steps 3 and 4: copies keyed by their shuffle position, partitioned per shard, sorted, packed. */
  static JavaRDD<Row> pack(Dataset<Row> encoded, TokenizeSettings settings, int trainShards, int valShards) {
    long seed = settings.seed();
    JavaPairRDD<Long, int[]> copies = encoded.filter(col("copies").gt(0))
        .select(col(DOC_ID), col("split"), col("copies"), col("tokens")).javaRDD()
        .flatMapToPair(r -> {
          String docId = r.getString(0);
          boolean validation = r.getInt(1) == 1;
          int n = r.getInt(2);
          int[] tokens = toInts(r.getList(3));
          List<Tuple2<Long, int[]>> out = new ArrayList<>(n);
          for (int c = 0; c < n; c++) {
            long order = StableHash.of(seed, "order", docId + "#" + c);
            out.add(new Tuple2<>(ShardPartitioner.key(validation, order), tokens));
          }
          return out.iterator();
        });
    int rowLength = settings.rowLength();
    return copies.repartitionAndSortWithinPartitions(new ShardPartitioner(trainShards, valShards))
        .mapPartitions(it -> new PackingIterator(it, rowLength));
  }

  static int[] toInts(List<Integer> list) {
    int[] a = new int[list.size()];
    for (int i = 0; i < a.length; i++) {
      a[i] = list.get(i);
    }
    return a;
  }

  /** Streams the rows of one packing partition: at most one row is held besides the current document. */
  static final class PackingIterator implements Iterator<Row> {
    private final Iterator<Tuple2<Long, int[]>> copies;
    private final ArrayDeque<int[]> ready = new ArrayDeque<>();
    private final Packer packer;

    PackingIterator(Iterator<Tuple2<Long, int[]>> copies, int rowLength) {
      this.copies = copies;
      this.packer = new Packer(rowLength, ready::add);
    }

    @Override
    public boolean hasNext() {
      while (ready.isEmpty() && copies.hasNext()) {
        packer.add(copies.next()._2());
      }
      return !ready.isEmpty();
    }

    @Override
    public Row next() {
      if (!hasNext()) {
        throw new NoSuchElementException();
      }
      return RowFactory.create((Object) ready.poll());
    }
  }

  /**
   * Step 5: renames Spark's {@code part-NNNNN-*.parquet} files (NNNNN = packing partition) to
   * {@code train|val/shard-NNNNN.parquet}, numbered densely per split in partition order, then hashes and counts
   * them on the executors. Empty partitions write no file, or an empty one, which is dropped.
   */
  static List<ShardManifest.Shard> nameAndHash(JavaSparkContext jsc, Configuration hadoop, AtomicOutput out,
      int trainShards) {
    List<String> relative = new ArrayList<>();
    try {
      Path parts = new Path(out.stagingPath(PARTS));
      FileSystem fs = parts.getFileSystem(hadoop);
      List<FileStatus> files = new ArrayList<>();
      for (FileStatus f : fs.listStatus(parts)) {
        if (PART_FILE.matcher(f.getPath().getName()).matches()) {
          files.add(f);
        }
      }
      files.sort((a, b) -> Integer.compare(partIndex(a), partIndex(b)));
      int[] next = new int[2];
      for (FileStatus f : files) {
        int split = partIndex(f) < trainShards ? 0 : 1;
        String name = (split == 0 ? ShardManifest.TRAIN : ShardManifest.VAL) + "/" + String.format("shard-%05d.parquet",
            next[split]++);
        Path target = new Path(out.stagingPath(name));
        fs.mkdirs(target.getParent());
        if (!fs.rename(f.getPath(), target)) {
          throw new IOException("rename " + f.getPath() + " -> " + target + " failed");
        }
        relative.add(name);
      }
      fs.delete(parts, true);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot arrange shard files under " + out.stagingPath(PARTS), e);
    }
    if (relative.isEmpty()) {
      return List.of();
    }
    SerializableHadoopConf conf = new SerializableHadoopConf(hadoop);
    String base = new Path(out.stagingPath(PARTS)).getParent().toString();
    List<Tuple3<String, Long, String>> described = jsc.parallelize(relative, Math.min(relative.size(), 64))
        .map(rel -> describe(conf.get(), base, rel)).collect();
    List<ShardManifest.Shard> shards = new ArrayList<>();
    int[] renumber = new int[2];
    for (Tuple3<String, Long, String> d : described) {
      boolean val = d._1().startsWith(ShardManifest.VAL + "/");
      if (d._2() == 0) {
        deleteQuietly(hadoop, new Path(base, d._1()));
        continue;
      }
      String name = d._1();
      String wanted = (val ? ShardManifest.VAL : ShardManifest.TRAIN) + "/"
          + String.format("shard-%05d.parquet", renumber[val ? 1 : 0]++);
      if (!wanted.equals(name)) { // an empty file was dropped before this one: keep numbering dense
        renameQuietly(hadoop, new Path(base, name), new Path(base, wanted));
      }
      shards.add(new ShardManifest.Shard(val ? ShardManifest.VAL : ShardManifest.TRAIN, wanted, d._2(), d._3()));
    }
    return shards;
  }

  private static Tuple3<String, Long, String> describe(Configuration conf, String base, String relative)
      throws IOException {
    Path p = new Path(base, relative);
    long rows;
    try (ParquetFileReader reader = ParquetFileReader.open(HadoopInputFile.fromPath(p, conf))) {
      rows = reader.getRecordCount();
    }
    try (InputStream in = p.getFileSystem(conf).open(p)) {
      return new Tuple3<>(relative, rows, Sha256.hex(in));
    }
  }

  private static int partIndex(FileStatus f) {
    Matcher m = PART_FILE.matcher(f.getPath().getName());
    if (!m.matches()) {
      throw new IllegalStateException("unexpected file " + f.getPath());
    }
    return Integer.parseInt(m.group(1));
  }

  private static void deleteQuietly(Configuration conf, Path p) {
    try {
      p.getFileSystem(conf).delete(p, false);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot delete empty shard " + p, e);
    }
  }

  private static void renameQuietly(Configuration conf, Path from, Path to) {
    try {
      if (!from.getFileSystem(conf).rename(from, to)) {
        throw new IOException("rename failed");
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot rename " + from + " -> " + to, e);
    }
  }
}
