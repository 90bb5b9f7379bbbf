package io.llmforge.trainer.preference;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.count;
import static org.apache.spark.sql.functions.max;
import static org.apache.spark.sql.functions.min;
import static org.apache.spark.sql.functions.sum;
import static org.apache.spark.sql.functions.when;

import io.llmforge.pipeline.spark.AtomicOutput;
import io.llmforge.pipeline.spark.JobStats;
import io.llmforge.pipeline.tokenizer.ByteLevelBpe;
import io.llmforge.pipeline.tokenizer.Sha256;
import io.llmforge.pipeline.tokenizer.SmallFiles;
import io.llmforge.pipeline.tokenizer.TokenizerCache;
import io.llmforge.trainer.sft.ChatTemplate;
import io.llmforge.trainer.sft.InputRows;
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
import org.apache.spark.api.java.function.FlatMapFunction;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.apache.spark.storage.StorageLevel;

/**
 * The {@code pref-prepare} job: preference files in (HH-RLHF, LLaMA-Factory ranking and KTO JSON, generic JSONL /
 * Parquet; {@link PreferenceFormat}), token rows out, for the reward model and DPO / KTO.
 *
 * <ol>
 *   <li>List the input files and read them into raw rows ({@link InputRows}).</li>
 *   <li>Parse, render prompt + answer with the chat template, pick the split by the prompt's hash
 *   ({@link PreferenceRenderer}).</li>
 *   <li>Write {@code train/} and {@code val/} pairs (Parquet: {@code id}, {@code source}, {@code created_at} ms,
 *   {@code prompt_tokens}, {@code chosen_tokens}, {@code rejected_tokens}, {@code margin}, {@code dropped_turns}, the
 *   three texts), {@code unpaired/} KTO rows ({@code tokens}, {@code label}, {@code heldout}, ...) and
 *   {@code rejects/} ({@code id}, {@code source}, {@code reason}, {@code detail}, {@code raw}); the manifest with
 *   every written and every input file hashed; commit atomically with stats.json (rows in = kept + rejected,
 *   checked).</li>
 * </ol>
 */
public final class PreferencePrepareJob {
  public static final String TRAIN = PreferenceRenderer.TRAIN;
  public static final String VAL = PreferenceRenderer.VAL;
  public static final String UNPAIRED = PreferenceRenderer.UNPAIRED;
  public static final String REJECTS = "rejects";
  public static final String TOKENIZER_FILE = "tokenizer.json";
  private static final List<String> KEPT = List.of(TRAIN, VAL, UNPAIRED);

  static final StructType OUTCOME = new StructType()
      .add("id", DataTypes.StringType, false)
      .add("file", DataTypes.StringType, false)
      .add("split", DataTypes.StringType, false)
      .add("source", DataTypes.StringType, true)
      .add("created_at", DataTypes.LongType, false)
      .add("prompt_tokens", DataTypes.IntegerType, false)
      .add("chosen_tokens", DataTypes.createArrayType(DataTypes.IntegerType, false), true)
      .add("rejected_tokens", DataTypes.createArrayType(DataTypes.IntegerType, false), true)
      .add("label", DataTypes.BooleanType, false)
      .add("heldout", DataTypes.BooleanType, false)
      .add("margin", DataTypes.DoubleType, false)
      .add("dropped_turns", DataTypes.IntegerType, false)
      .add("n_tokens", DataTypes.IntegerType, false)
      .add("truncated", DataTypes.BooleanType, false)
      .add("prompt_text", DataTypes.StringType, true)
      .add("chosen_text", DataTypes.StringType, true)
      .add("rejected_text", DataTypes.StringType, true)
      .add("reason", DataTypes.StringType, true)
      .add("detail", DataTypes.StringType, true)
      .add("raw", DataTypes.StringType, true);

  private PreferencePrepareJob() {}

  public static JobStats run(SparkSession spark, PreferencePrepareSettings s) {
    Configuration hadoop = spark.sparkContext().hadoopConfiguration();
    if (!s.overwrite() && AtomicOutput.isComplete(hadoop, s.output())) {
      System.out.println("pref-prepare: " + s.output() + " is finished; skipping (use --overwrite)");
      return new JobStats().put("skipped", true).put("output", s.output());
    }
    long t0 = System.nanoTime();
    InputRows.BaseModel model = InputRows.baseModel("pref-prepare.base", s.base());
    java.nio.file.Path base = model.checkpoint();
    int maxTokens = model.blockSize();
    ByteLevelBpe tokenizer = model.tokenizer();
    byte[] canonical = model.canonicalTokenizer();

    List<String> jsonFiles = new ArrayList<>();
    List<String> parquetFiles = new ArrayList<>();
    InputRows.list(hadoop, "pref-prepare.input", s.input(), jsonFiles, parquetFiles);
    List<String> allFiles = new ArrayList<>(jsonFiles);
    allFiles.addAll(parquetFiles);
    Map<String, String> inputSha = InputRows.sha256(hadoop, allFiles);
    JavaSparkContext jsc = JavaSparkContext.fromSparkContext(spark.sparkContext());
    Broadcast<byte[]> tokenizerBytes = jsc.broadcast(canonical);
    PreferenceRenderer renderer = new PreferenceRenderer(s.format(), maxTokens, s.valFraction(), s.seed(),
        InputRows.modificationTimes(hadoop, allFiles), s.truncate());

    AtomicOutput out = AtomicOutput.begin(hadoop, s.output(), s.overwrite());
    Dataset<Row> outcomes = null;
    try {
      JavaRDD<Row> raw = InputRows.read(spark, jsonFiles, parquetFiles);
      int partitions = Math.max(1, spark.sparkContext().defaultParallelism());
      outcomes = spark.createDataFrame(raw.repartition(partitions).mapPartitions(new Render(tokenizerBytes, renderer)),
          OUTCOME).persist(StorageLevel.MEMORY_AND_DISK());

      for (String split : List.of(TRAIN, VAL)) {
        outcomes.filter(col("split").equalTo(split))
            .select("id", "source", "created_at", "prompt_tokens", "chosen_tokens", "rejected_tokens", "margin",
                "dropped_turns", "prompt_text", "chosen_text", "rejected_text")
            .coalesce(s.outputPartitions()).write().parquet(out.stagingPath(split));
      }
      outcomes.filter(col("split").equalTo(UNPAIRED))
          .select(col("id"), col("source"), col("created_at"), col("heldout"), col("label"), col("prompt_tokens"),
              col("chosen_tokens").as("tokens"), col("dropped_turns"), col("prompt_text"),
              col("chosen_text").as("answer_text"))
          .coalesce(s.outputPartitions()).write().parquet(out.stagingPath(UNPAIRED));
      outcomes.filter(col("split").equalTo(PreferenceRenderer.REJECT))
          .select(col("id"), col("file").as("source"), col("reason"), col("detail"), col("raw"))
          .coalesce(1).write().parquet(out.stagingPath(REJECTS));

      Map<String, PreferenceManifest.Split> splits = new LinkedHashMap<>();
      for (Row r : outcomes.filter(col("split").isin(KEPT.toArray())).groupBy("split")
          .agg(count("*"), sum("n_tokens"), sum(when(col("truncated"), 1).otherwise(0)), min("created_at"),
              max("created_at")).collectAsList()) {
        splits.put(r.getString(0), new PreferenceManifest.Split(r.getLong(1), r.getLong(2), r.getLong(3),
            r.getLong(4), r.getLong(5)));
      }
      Map<String, Long> rejects = InputRows.countByReason(outcomes.filter(col("split").equalTo(
          PreferenceRenderer.REJECT)));
      List<PreferenceManifest.InputFile> inputs = new ArrayList<>();
      Map<String, long[]> perFile = new LinkedHashMap<>();
      for (Row r : outcomes.groupBy("file").agg(count("*"),
          sum(when(col("split").notEqual(PreferenceRenderer.REJECT), 1).otherwise(0))).collectAsList()) {
        perFile.put(r.getString(0), new long[] {r.getLong(1), r.getLong(2)});
      }
      for (String f : allFiles) {
        long[] n = perFile.getOrDefault(f, new long[2]);
        inputs.add(new PreferenceManifest.InputFile(f, inputSha.get(f), n[0], n[1]));
      }
      long rows = outcomes.count();
      PreferenceManifest manifest = new PreferenceManifest(Sha256.hex(canonical), tokenizer.vocabSize(), maxTokens,
          splits, InputRows.hashParquet(hadoop, out, KEPT), inputs);
      SmallFiles.write(hadoop, out.stagingPath(TOKENIZER_FILE), canonical);
      SmallFiles.write(hadoop, out.stagingPath(PreferenceManifest.FILE),
          manifest.toJson().getBytes(StandardCharsets.UTF_8));

      long kept = KEPT.stream().mapToLong(k -> manifest.split(k).rows()).sum();
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
          .put("input_files", allFiles.size())
          .put("input_rows", rows)
          .put("train_pairs", manifest.split(TRAIN).rows())
          .put("val_pairs", manifest.split(VAL).rows())
          .put("unpaired_rows", manifest.split(UNPAIRED).rows())
          .put("truncated_rows", KEPT.stream().mapToLong(k -> manifest.split(k).truncated()).sum())
          .put("rejected", rejected)
          .put("rejects_by_reason", rejects)
          .put("seconds", (System.nanoTime() - t0) / 1e9);
      out.commit(stats.toJson());
      if (rejected > 0) {
        System.out.printf(Locale.ROOT, "pref-prepare: %d of %d rows rejected %s; kept with their reason in %s/%s%n",
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
  static final class Render implements FlatMapFunction<Iterator<Row>, Row> {
    private final Broadcast<byte[]> tokenizer;
    private final PreferenceRenderer renderer;

    Render(Broadcast<byte[]> tokenizer, PreferenceRenderer renderer) {
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
          return toRow(renderer.apply(InputRows.raw(rows.next()), template));
        }
      };
    }
  }

  static Row toRow(PreferenceRenderer.Outcome o) {
    if (o.rejected()) {
      return RowFactory.create(o.id(), o.file(), o.split(), null, 0L, 0, null, null, false, false, 0.0, 0, 0, false,
          null, null, null, o.reason(), o.detail(), o.raw());
    }
    PreferenceRenderer.Rendered r = o.rendered();
    int tokens = r.chosen().length + (r.rejected() == null ? 0 : r.rejected().length);
    return RowFactory.create(o.id(), o.file(), o.split(), r.source(), r.createdAt(), r.promptTokens(),
        boxed(r.chosen()), r.rejected() == null ? null : boxed(r.rejected()), r.desirable(), r.heldOut(), r.margin(),
        r.droppedTurns(), tokens, r.truncated(), r.promptText(), r.chosenText(), r.rejectedText(), null, null, null);
  }

  private static Integer[] boxed(int[] ids) {
    Integer[] out = new Integer[ids.length];
    for (int i = 0; i < ids.length; i++) {
      out[i] = ids[i];
    }
    return out;
  }
}
