package io.llmforge.quality;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.lit;

import io.llmforge.pipeline.config.ConfigError;
import io.llmforge.pipeline.spark.AtomicOutput;
import io.llmforge.pipeline.spark.JobStats;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.hadoop.conf.Configuration;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.storage.StorageLevel;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * classify-train: reads reference-quality (positive) and web (negative) sources, splits them by hash into
 * train / validation / test, fits and compares the configured model variants, and writes the chosen one as an
 * MLlib PipelineModel with its held-out metrics:
 *
 * <pre>
 * output/model/         the PipelineModel (load with QualityModel.load)
 * output/metrics.json   test ROC-AUC, PR-AUC, precision/recall at the report threshold, calibration, comparison
 * output/stats.json     examples per source, split and class; timings
 * output/_SUCCESS
 * </pre>
 */
public final class ClassifyTrainJob {
  private static final Logger LOG = LoggerFactory.getLogger(ClassifyTrainJob.class);

  private ClassifyTrainJob() {}

  public static JobStats run(SparkSession spark, ClassifyTrainSettings settings) {
    Configuration hadoop = spark.sparkContext().hadoopConfiguration();
    if (AtomicOutput.isComplete(hadoop, settings.output()) && !settings.overwrite()) {
      LOG.info("{} is finished; skipping (pass --overwrite to retrain)", settings.output());
      JobStats stats = new JobStats();
      JobStats.parse(HadoopFiles.readString(hadoop, settings.output() + "/" + AtomicOutput.STATS)).forEach(stats::put);
      return stats.put("skipped", true);
    }
    long start = System.nanoTime();
    // Sources are opened (and a missing path fails) before the staging folder exists.
    Dataset<Row> labelled = labelled(spark, settings).persist(StorageLevel.MEMORY_AND_DISK());
    try {
      AtomicOutput out = AtomicOutput.begin(hadoop, settings.output(), settings.overwrite());
      try {
        return trainAndCommit(hadoop, settings, labelled, out, start);
      } catch (RuntimeException e) {
        out.abort();
        throw e;
      }
    } finally {
      labelled.unpersist();
    }
  }

  private static JobStats trainAndCommit(Configuration hadoop, ClassifyTrainSettings settings, Dataset<Row> labelled,
                                         AtomicOutput out, long start) {
    QualityTrainer.Result result = QualityTrainer.fit(labelled, new QualityTrainer.Options(settings.variants(),
        settings.balance(), settings.features(), settings.classifier(), settings.reportThreshold(),
        settings.selection(), settings.selectionFolds()));
    result.model().save(out.stagingPath(QualityModel.MODEL_DIR));
    HadoopFiles.writeString(hadoop, out.stagingPath(QualityModel.METRICS_FILE),
        new JobStats().put("metrics", result.metricsMap()).toJson());
    JobStats stats = new JobStats()
        .put("output", out.target())
        .put("chosen_variant", result.chosen().configName())
        .put("test_roc_auc", result.test().rocAuc())
        .put("test_pr_auc", result.test().prAuc())
        .put("test_precision", result.test().precision())
        .put("test_recall", result.test().recall())
        .put("examples", result.counts())
        .put("examples_by_source", bySource(labelled))
        .put("seconds", (System.nanoTime() - start) / 1e9);
    out.commit(stats.toJson());
    return stats;
  }

  /** Positives and negatives with their label and split: the rows {@link QualityTrainer} takes. */
  static Dataset<Row> labelled(SparkSession spark, ClassifyTrainSettings settings) {
    requirePaths(spark.sparkContext().hadoopConfiguration(), settings.positives(), "positives");
    requirePaths(spark.sparkContext().hadoopConfiguration(), settings.negatives(), "negatives");
    Dataset<Row> positives = TrainingSources.readAll(spark, settings.positives())
        .withColumn(QualityPipeline.LABEL, lit(1.0));
    Dataset<Row> negatives = TrainingSources.readAll(spark, settings.negatives())
        .withColumn(QualityPipeline.LABEL, lit(0.0));
    Dataset<Row> all = positives.unionByName(negatives);
    // Cross-validation draws its folds from the training rows, so no key is set aside for validation.
    double validation = settings.selection() == VariantSelection.VALIDATION ? settings.validationFraction() : 0;
    return all.withColumn(QualityTrainer.SPLIT, DataSplit.assign(col(TrainingSources.SPLIT_KEY),
        settings.heldOutFraction(), validation, settings.splitSalt()));
  }

  /** A source path that names nothing is a configuration mistake, reported before any work. */
  private static void requirePaths(Configuration hadoop, List<TextSource> sources, String key) {
    for (int i = 0; i < sources.size(); i++) {
      TextSource source = sources.get(i);
      if (!source.synthetic() && !HadoopFiles.exists(hadoop, source.path())) {
        throw new ConfigError(ClassifyTrainSettings.SECTION + "." + key + "." + i + ".path: not found: "
            + source.path());
      }
    }
  }

  private static Map<String, Object> bySource(Dataset<Row> labelled) {
    Map<String, Object> counts = new LinkedHashMap<>();
    List<Row> rows = labelled.groupBy(TrainingSources.SOURCE, QualityPipeline.LABEL).count()
        .orderBy(col(QualityPipeline.LABEL).desc(), col(TrainingSources.SOURCE)).collectAsList();
    for (Row r : rows) {
      counts.put((r.getDouble(1) == 1.0 ? "positive:" : "negative:") + r.getString(0), r.getLong(2));
    }
    return counts;
  }
}
