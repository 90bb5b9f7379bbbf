package io.llmforge.quality;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.count;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.sum;
import static org.apache.spark.sql.functions.when;

import io.llmforge.pipeline.config.ConfigError;
import io.llmforge.pipeline.spark.AtomicOutput;
import io.llmforge.pipeline.spark.DocumentSchema;
import io.llmforge.pipeline.spark.JobStats;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.hadoop.conf.Configuration;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SaveMode;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.storage.StorageLevel;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * classify: scores documents with a classify-train model, keeps them by threshold or top fraction, and gives
 * the kept ones a {@code sample_weight} (repeats, at most 4) so the best are seen more often in training:
 *
 * <pre>
 * output/scored/    every input column + quality_score + sample_weight
 * output/rejects/   every input column + quality_score + reject_stage ("quality") + reject_reason
 * output/stats.json counts, cut-offs, score quantiles, documents per weight, chars and words before/after weighting
 * output/_SUCCESS
 * </pre>
 */
public final class ClassifyJob {
  /** The kept documents, inside the output folder: what the next step reads. */
  public static final String SCORED = "scored";
  public static final String REJECTS = "rejects";
  private static final Logger LOG = LoggerFactory.getLogger(ClassifyJob.class);
  private static final double[] REPORTED_QUANTILES = {0.01, 0.1, 0.25, 0.5, 0.75, 0.9, 0.99};

  private ClassifyJob() {}

  public static JobStats run(SparkSession spark, ClassifySettings settings) {
    Configuration hadoop = spark.sparkContext().hadoopConfiguration();
    if (AtomicOutput.isComplete(hadoop, settings.output()) && !settings.overwrite()) {
      LOG.info("{} is finished; skipping (pass --overwrite to recompute)", settings.output());
      JobStats stats = new JobStats();
      JobStats.parse(HadoopFiles.readString(hadoop, settings.output() + "/" + AtomicOutput.STATS)).forEach(stats::put);
      return stats.put("skipped", true);
    }
    long start = System.nanoTime();
    requireInputs(hadoop, settings);
    Dataset<Row> input = spark.read().parquet(settings.inputs().toArray(String[]::new));
    DocumentSchema.requireDocumentColumns(input.schema(), String.join(", ", settings.inputs()));
    QualityModel model = QualityModel.load(spark, settings.model());
    AtomicOutput out = AtomicOutput.begin(hadoop, settings.output(), settings.overwrite());
    Dataset<Row> scored = null;
    try {
      // Re-scoring a scored/ data set replaces its score and weight.
      scored = model.score(input.drop(QualityModel.QUALITY_SCORE, QualityModel.SAMPLE_WEIGHT))
          .persist(StorageLevel.MEMORY_AND_DISK());
      long documents = scored.count();
      QualitySelection.Selection selection = QualitySelection.apply(scored, documents, settings.mode(),
          settings.threshold(), settings.topFraction(), settings.weights(), settings.quantileError());
      write(selection.kept(), out.stagingPath(SCORED), settings.outputPartitions());
      write(selection.rejected(), out.stagingPath(REJECTS), settings.outputPartitions());
      // Nothing is dropped silently: what was written must add up to the input (row counts come from footers).
      long written = spark.read().parquet(out.stagingPath(SCORED)).count()
          + spark.read().parquet(out.stagingPath(REJECTS)).count();
      if (written != documents) {
        throw new IllegalStateException("scored/ + rejects/ hold " + written + " rows, the input " + documents);
      }
      JobStats stats = stats(scored, selection, settings, documents);
      stats.put("output", out.target()).put("seconds", (System.nanoTime() - start) / 1e9);
      out.commit(stats.toJson());
      return stats;
    } catch (RuntimeException e) {
      out.abort();
      throw e;
    } finally {
      if (scored != null) {
        scored.unpersist();
      }
    }
  }

  /** A missing input or an unfinished model is a configuration mistake, reported before any work. */
  private static void requireInputs(Configuration hadoop, ClassifySettings settings) {
    for (String input : settings.inputs()) {
      if (!HadoopFiles.exists(hadoop, input)) {
        throw new ConfigError(ClassifySettings.SECTION + ".input: input not found: " + input);
      }
    }
    if (!AtomicOutput.isComplete(hadoop, settings.model())) {
      throw new ConfigError(ClassifySettings.SECTION + ".model: " + settings.model() + " is not a finished "
          + "classify-train output (no " + AtomicOutput.SUCCESS + "); run classify-train first");
    }
  }

  private static void write(Dataset<Row> data, String path, int partitions) {
    (partitions > 0 ? data.repartition(partitions) : data).write().mode(SaveMode.ErrorIfExists).parquet(path);
  }

  private static JobStats stats(Dataset<Row> scored, QualitySelection.Selection selection, ClassifySettings settings,
                                long documents) {
    Column kept = col(QualityModel.QUALITY_SCORE).geq(selection.cutoff());
    Column chars = col(DocumentSchema.NUM_CHARS).cast("double");
    Column words = col(DocumentSchema.NUM_WORDS).cast("double");
    Row totals = scored.agg(
        count(lit(1)),
        sum(when(kept, 1L).otherwise(0L)),
        sum(chars), sum(words),
        sum(when(kept, chars).otherwise(0.0)), sum(when(kept, words).otherwise(0.0)),
        sum(when(kept, chars.multiply(selection.weight())).otherwise(0.0)),
        sum(when(kept, words.multiply(selection.weight())).otherwise(0.0))).first();
    long total = totals.getLong(0);
    long keptDocs = totals.isNullAt(1) ? 0 : totals.getLong(1);
    if (total != documents) {
      throw new IllegalStateException("scored " + documents + " documents but counted " + total);
    }
    Map<String, Object> perWeight = new LinkedHashMap<>();
    List<Row> levels = selection.kept().groupBy(QualityModel.SAMPLE_WEIGHT).count()
        .orderBy(col(QualityModel.SAMPLE_WEIGHT).desc()).collectAsList();
    for (Row r : levels) {
      perWeight.put(String.valueOf(r.getDouble(0)), r.getLong(1));
    }
    double[] q = QualitySelection.quantiles(scored, REPORTED_QUANTILES, settings.quantileError());
    Map<String, Object> quantiles = new LinkedHashMap<>();
    for (int i = 0; i < q.length; i++) {
      quantiles.put("p" + Math.round(REPORTED_QUANTILES[i] * 100), q[i]);
    }
    Map<String, Object> tierCutoffs = new LinkedHashMap<>();
    for (int i = 0; i < selection.tierCutoffs().length; i++) {
      WeightTiers.Tier t = settings.weights().tiers().get(i);
      tierCutoffs.put("top " + t.top() + " -> x" + t.repeats(), selection.tierCutoffs()[i]);
    }
    double keptChars = value(totals, 4);
    double keptWords = value(totals, 5);
    return new JobStats()
        .put("input", settings.inputs())
        .put("model", settings.model())
        .put("input_documents", total)
        .put("kept_documents", keptDocs)
        .put("rejected_documents", total - keptDocs)
        .put("documents_plus_rejects_equals_input", true)
        .put("keep_mode", settings.mode().name().toLowerCase().replace('_', '-'))
        .put("score_cutoff", selection.cutoff())
        .put("score_quantiles", quantiles)
        .put("weight_tier_cutoffs", tierCutoffs)
        .put("documents_per_weight", perWeight)
        .put("input_chars", value(totals, 2))
        .put("input_words", value(totals, 3))
        .put("kept_chars", keptChars)
        .put("kept_words", keptWords)
        .put("weighted_chars", value(totals, 6))
        .put("weighted_words", value(totals, 7))
        .put("mean_repeats_per_kept_char", keptChars == 0 ? 0.0 : value(totals, 6) / keptChars);
  }

  private static double value(Row row, int i) {
    return row.isNullAt(i) ? 0.0 : ((Number) row.get(i)).doubleValue();
  }
}
