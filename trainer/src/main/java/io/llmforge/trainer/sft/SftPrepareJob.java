package io.llmforge.trainer.sft;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.count;
import static org.apache.spark.sql.functions.sum;

import io.llmforge.pipeline.spark.AtomicOutput;
import io.llmforge.pipeline.spark.JobStats;
import io.llmforge.pipeline.tokenizer.ByteLevelBpe;
import io.llmforge.pipeline.tokenizer.Sha256;
import io.llmforge.pipeline.tokenizer.SmallFiles;
import io.llmforge.pipeline.tokenizer.TokenizerCache;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.apache.hadoop.conf.Configuration;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.apache.spark.storage.StorageLevel;

/**
 * The {@code sft-prepare} job: conversation files in (JSON arrays, JSON Lines, Parquet; gzip allowed; formats of
 * {@link ConversationFormat}), token rows with a per-token loss mask out, for the SFT trainer.
 *
 * <ol>
 *   <li>List the input files; read JSON and JSONL files on executors, one task per file, streaming
 *   ({@link ConversationFiles}); Parquet through Spark, each row as JSON.</li>
 *   <li>Parse, fill placeholders, render with the chat template and pick the split ({@link ConversationRenderer}).</li>
 *   <li>Write {@code train/} and {@code val/} (Parquet: {@code id}, {@code source}, {@code tokens}, {@code loss_mask},
 *   counts) and {@code rejects/} ({@code id}, {@code source}, {@code reason}, {@code detail}, {@code raw}); hash the
 *   files into {@code manifest.json} with the tokenizer's SHA-256, next to the canonical {@code tokenizer.json};
 *   commit atomically with stats.json (rows in = train + val + rejects, checked).</li>
 * </ol>
 */
public final class SftPrepareJob {
  public static final String TRAIN = ConversationRenderer.TRAIN;
  public static final String VAL = ConversationRenderer.VAL;
  public static final String REJECTS = "rejects";
  public static final String TOKENIZER_FILE = "tokenizer.json";

  static final StructType OUTCOME = new StructType()
      .add("id", DataTypes.StringType, false)
      .add("source", DataTypes.StringType, false)
      .add("split", DataTypes.StringType, false)
      .add("tokens", DataTypes.createArrayType(DataTypes.IntegerType, false), true)
      .add("loss_mask", DataTypes.createArrayType(DataTypes.ByteType, false), true)
      .add("n_tokens", DataTypes.IntegerType, false)
      .add("n_targets", DataTypes.IntegerType, false)
      .add("end_targets", DataTypes.IntegerType, false)
      .add("dropped_turns", DataTypes.IntegerType, false)
      .add("reason", DataTypes.StringType, true)
      .add("detail", DataTypes.StringType, true)
      .add("raw", DataTypes.StringType, true);

  private SftPrepareJob() {}

  public static JobStats run(SparkSession spark, SftPrepareSettings s) {
    Configuration hadoop = spark.sparkContext().hadoopConfiguration();
    if (!s.overwrite() && AtomicOutput.isComplete(hadoop, s.output())) {
      System.out.println("sft-prepare: " + s.output() + " is finished; skipping (use --overwrite)");
      return new JobStats().put("skipped", true).put("output", s.output());
    }
    long t0 = System.nanoTime();
    InputRows.BaseModel model = InputRows.baseModel("sft-prepare.base", s.base());
    java.nio.file.Path base = model.checkpoint();
    int maxTokens = model.blockSize() + 1;
    ByteLevelBpe tokenizer = model.tokenizer();
    byte[] canonical = model.canonicalTokenizer();

    List<String> jsonFiles = new ArrayList<>();
    List<String> parquetFiles = new ArrayList<>();
    InputRows.list(hadoop, "sft-prepare.input", s.input(), jsonFiles, parquetFiles);
    JavaSparkContext jsc = JavaSparkContext.fromSparkContext(spark.sparkContext());
    Broadcast<byte[]> tokenizerBytes = jsc.broadcast(canonical);
    ConversationRenderer renderer = new ConversationRenderer(s.format(), s.identity(), s.template(), maxTokens,
        s.valFraction(), s.seed(), s.maxAnswerTokens());

    AtomicOutput out = AtomicOutput.begin(hadoop, s.output(), s.overwrite());
    Dataset<Row> outcomes = null;
    try {
      JavaRDD<Row> raw = InputRows.read(spark, jsonFiles, parquetFiles);
      int partitions = Math.max(1, spark.sparkContext().defaultParallelism());
      outcomes = spark.createDataFrame(raw.repartition(partitions).mapPartitions(new Render(tokenizerBytes, renderer)),
          OUTCOME).persist(StorageLevel.MEMORY_AND_DISK());

      for (String split : List.of(TRAIN, VAL)) {
        outcomes.filter(col("split").equalTo(split))
            .select("id", "source", "tokens", "loss_mask", "n_tokens", "n_targets", "dropped_turns")
            .coalesce(s.outputPartitions()).write().parquet(out.stagingPath(split));
      }
      outcomes.filter(col("split").equalTo(ConversationRenderer.REJECT))
          .select("id", "source", "reason", "detail", "raw").coalesce(1).write().parquet(out.stagingPath(REJECTS));

      Map<String, SftManifest.Split> splits = new LinkedHashMap<>();
      for (Row r : outcomes.filter(col("split").notEqual(ConversationRenderer.REJECT)).groupBy("split")
          .agg(count("*"), sum("n_tokens"), sum("n_targets"), sum("end_targets"), sum("dropped_turns"))
          .collectAsList()) {
        splits.put(r.getString(0), new SftManifest.Split(r.getLong(1), r.getLong(2), r.getLong(3), r.getLong(4),
            r.getLong(5)));
      }
      Map<String, Long> rejects = InputRows.countByReason(outcomes.filter(col("split").equalTo(
          ConversationRenderer.REJECT)));
      long rows = outcomes.count();
      SftManifest manifest = new SftManifest(Sha256.hex(canonical), tokenizer.vocabSize(), maxTokens,
          SftManifest.TEMPLATE, s.template().trainOnPrompt(), s.template().responseOnly(), splits,
          InputRows.hashParquet(hadoop, out, List.of(TRAIN, VAL)));
      SmallFiles.write(hadoop, out.stagingPath(TOKENIZER_FILE), canonical);
      SmallFiles.write(hadoop, out.stagingPath(SftManifest.FILE), manifest.toJson().getBytes(StandardCharsets.UTF_8));

      long kept = manifest.split(TRAIN).conversations() + manifest.split(VAL).conversations();
      long rejected = rejects.values().stream().mapToLong(Long::longValue).sum();
      if (kept + rejected != rows) {
        throw new IllegalStateException("row accounting is off: " + rows + " in, " + kept + " kept, " + rejected
            + " rejected");
      }
      JobStats stats = new JobStats()
          .put("input", s.input())
          .put("output", out.target())
          .put("base", base.toString())
          .put("tokenizer_sha256", manifest.tokenizerSha256())
          .put("max_tokens", maxTokens)
          .put("input_files", jsonFiles.size() + parquetFiles.size())
          .put("input_rows", rows)
          .put("train_conversations", manifest.split(TRAIN).conversations())
          .put("val_conversations", manifest.split(VAL).conversations())
          .put("train_tokens", manifest.split(TRAIN).tokens())
          .put("train_targets", manifest.split(TRAIN).targets())
          .put("dropped_turns", manifest.split(TRAIN).droppedTurns() + manifest.split(VAL).droppedTurns())
          .put("rejected", rejected)
          .put("rejects_by_reason", rejects)
          .put("seconds", (System.nanoTime() - t0) / 1e9);
      out.commit(stats.toJson());
      if (rejected > 0) {
        System.out.printf(Locale.ROOT, "sft-prepare: %d of %d rows rejected %s; kept with their reason in %s/%s%n",
            rejected, rows, rejects, s.output(), REJECTS);
      }
      return stats;
    } catch (RuntimeException e) {
      out.abort();
      throw e;
    } finally {
      if (outcomes != null) {
        outcomes.unpersist();
      }
      tokenizerBytes.destroy();
    }
  }

  /** Executor side of step 2. */
  static final class Render implements org.apache.spark.api.java.function.FlatMapFunction<Iterator<Row>, Row> {
    private final Broadcast<byte[]> tokenizer;
    private final ConversationRenderer renderer;

    Render(Broadcast<byte[]> tokenizer, ConversationRenderer renderer) {
      this.tokenizer = tokenizer;
      this.renderer = renderer;
    }

    @Override
    public Iterator<Row> call(Iterator<Row> rows) {
      ChatTemplate template = new ChatTemplate(TokenizerCache.get(tokenizer.value()));
      return new Iterator<>() {
        @Override
        public boolean hasNext() {
          return rows.hasNext();
        }

        @Override
        public Row next() {
          Row r = rows.next();
          return toRow(renderer.apply(InputRows.raw(r), template), template.endId());
        }
      };
    }
  }

  static Row toRow(ConversationRenderer.Outcome o, int endId) {
    if (o.rejected()) {
      return RowFactory.create(o.id(), o.source(), o.split(), null, null, 0, 0, 0, 0, o.reason(), o.detail(),
          o.raw());
    }
    ChatTemplate.Rendered r = o.rendered();
    int[] tokens = r.tokens();
    Integer[] ids = new Integer[tokens.length];
    Byte[] mask = new Byte[tokens.length];
    int ends = 0;
    for (int i = 0; i < tokens.length; i++) {
      ids[i] = tokens[i];
      mask[i] = r.mask()[i];
      if (r.mask()[i] == 1 && tokens[i] == endId) {
        ends++;
      }
    }
    return RowFactory.create(o.id(), o.source(), o.split(), ids, mask, tokens.length, r.targets(), ends,
        r.droppedTurns(), null, null, null);
  }

}
