package io.llmforge.pipeline.tokenizer;

import static org.apache.spark.sql.functions.col;

import io.llmforge.pipeline.spark.AtomicOutput;
import io.llmforge.pipeline.spark.JobStats;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.hadoop.conf.Configuration;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.storage.StorageLevel;

/**
 * The tokenizer-train job: documents Parquet in, {@code tokenizer.json} out. Pre-token counts are computed in
 * Spark; only the most frequent {@code max-distinct-pre-tokens} of them travel to the driver, where
 * {@link BpeTrainer} learns the merges. Written atomically with a {@code stats.json}.
 */
public final class TokenizerTrainJob {
  private TokenizerTrainJob() {}

  public static JobStats run(SparkSession spark, TokenizerTrainSettings settings) {
    Configuration hadoop = spark.sparkContext().hadoopConfiguration();
    if (!settings.overwrite() && AtomicOutput.isComplete(hadoop, settings.output())) {
      System.out.println("tokenizer-train: " + settings.output() + " is finished; skipping (use --overwrite)");
      return new JobStats().put("skipped", true).put("output", settings.output());
    }
    long t0 = System.nanoTime();
    Dataset<Row> docs = spark.read().parquet(settings.input().toArray(String[]::new));
    requireStringColumn(docs, settings.textColumn(), settings.input());
    if (settings.sampleFraction() < 1.0) {
      docs = docs.sample(false, settings.sampleFraction(), settings.seed());
    }
    Dataset<String> texts = docs.select(col(settings.textColumn())).as(Encoders.STRING());

    AtomicOutput out = AtomicOutput.begin(hadoop, settings.output(), settings.overwrite());
    try {
      Dataset<Row> counts = PreTokenCounts.count(texts, settings.preTokenizer(), settings.maxCharsPerDocument())
          .persist(StorageLevel.MEMORY_AND_DISK());
      Row totals = counts.agg(org.apache.spark.sql.functions.count("*"), org.apache.spark.sql.functions.sum(
          PreTokenCounts.COUNT)).first();
      long distinct = totals.getLong(0);
      long occurrences = totals.isNullAt(1) ? 0 : totals.getLong(1);
      List<Row> top = PreTokenCounts.top(counts, settings.maxDistinctPreTokens());
      counts.unpersist();
      long t1 = System.nanoTime();

      Map<String, Long> kept = new HashMap<>(top.size() * 2);
      long keptOccurrences = 0;
      for (Row r : top) {
        kept.put(r.getString(0), r.getLong(1));
        keptOccurrences += r.getLong(1);
      }
      BpeTrainer trainer = new BpeTrainer(settings.preTokenizer(), SpecialTokens.ALL, settings.vocabSize(),
          settings.minFrequency());
      BpeTrainer.Result result = trainer.train(kept);
      long t2 = System.nanoTime();

      ByteLevelBpe tokenizer = result.tokenizer();
      byte[] json = TokenizerJson.writeBytes(tokenizer);
      SmallFiles.write(hadoop, out.stagingPath(TokenizerTrainSettings.TOKENIZER_FILE), json);
      JobStats stats = new JobStats()
          .put("input", settings.input())
          .put("output", out.target())
          .put("pre_tokenizer", settings.preTokenizer().name().toLowerCase())
          .put("pre_token_occurrences", occurrences)
          .put("distinct_pre_tokens", distinct)
          .put("distinct_pre_tokens_kept", kept.size())
          .put("kept_occurrence_share", occurrences == 0 ? 0.0 : (double) keptOccurrences / occurrences)
          .put("vocab_size_requested", settings.vocabSize())
          .put("vocab_size", tokenizer.vocabSize())
          .put("merges", result.merges())
          .put("stopped_by_min_frequency", result.stoppedByMinFrequency())
          .put("last_merge_count", result.lastMergeCount())
          .put("bytes_per_token_on_kept_pre_tokens", bytesPerToken(tokenizer, kept))
          .put("tokenizer_sha256", Sha256.hex(json))
          .put("seconds_counting", (t1 - t0) / 1e9)
          .put("seconds_merging", (t2 - t1) / 1e9);
      out.commit(stats.toJson());
      return stats;
    } catch (RuntimeException e) {
      out.abort();
      throw e;
    }
  }

  /** Compression on the training distribution: UTF-8 bytes per token, weighted by pre-token counts. */
  static double bytesPerToken(ByteLevelBpe tokenizer, Map<String, Long> counts) {
    long bytes = 0;
    long tokens = 0;
    for (Map.Entry<String, Long> e : counts.entrySet()) {
      bytes += (long) e.getKey().getBytes(StandardCharsets.UTF_8).length * e.getValue();
      tokens += (long) tokenizer.encode(e.getKey()).length * e.getValue();
    }
    return tokens == 0 ? 0.0 : (double) bytes / tokens;
  }

  static void requireStringColumn(Dataset<Row> docs, String column, List<String> input) {
    StructField field = Arrays.stream(docs.schema().fields()).filter(f -> f.name().equals(column))
        .findFirst().orElseThrow(() -> new IllegalArgumentException(input + ": no column '" + column
            + "'; found " + docs.schema().simpleString()));
    if (!field.dataType().sameType(DataTypes.StringType)) {
      throw new IllegalArgumentException(input + ": column '" + column + "' is " + field.dataType().simpleString()
          + ", expected string");
    }
  }
}
