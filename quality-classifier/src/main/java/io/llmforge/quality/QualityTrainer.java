package io.llmforge.quality;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.pmod;
import static org.apache.spark.sql.functions.when;
import static org.apache.spark.sql.functions.xxhash64;

import io.llmforge.pipeline.spark.Lineage;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.spark.ml.Estimator;
import org.apache.spark.ml.Pipeline;
import org.apache.spark.ml.PipelineModel;
import org.apache.spark.ml.PipelineStage;
import org.apache.spark.ml.Transformer;
import org.apache.spark.ml.param.shared.HasInputCol;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.storage.StorageLevel;

/**
 * Fits every requested {@link ModelVariant} on the training split, picks the one with the best selection
 * ROC-AUC ({@link VariantSelection}: pooled out-of-fold on the training split, or on the validation split), and
 * measures all of them on the test split. Works on rows that already carry {@code text}, {@code label}
 * (1 = reference quality) and {@code split}; where the split comes from (a hash, or a data set's own train/test
 * files) is the caller's business.
 */
public final class QualityTrainer {
  public static final String SPLIT = "split";

  private QualityTrainer() {}

  /**
   * What to fit and how.
   *
   * @param selection how several variants are compared (unused for one)
   * @param folds     cross-validation folds, for {@code selection = CROSS_VALIDATION}
   */
  public record Options(List<ModelVariant> variants, Balance balance, FeatureSettings features,
                        ClassifierSettings classifier, double reportThreshold, VariantSelection selection, int folds) {
    public Options {
      variants = List.copyOf(variants);
      if (selection == VariantSelection.CROSS_VALIDATION && variants.size() > 1 && folds < 2) {
        throw new IllegalArgumentException("cross-validation needs at least 2 folds, got " + folds);
      }
    }

    /** The same options for one variant (nothing to choose). */
    public Options single(ModelVariant variant) {
      return new Options(List.of(variant), balance, features, classifier, reportThreshold, selection, folds);
    }

    boolean crossValidates() {
      return variants.size() > 1 && selection == VariantSelection.CROSS_VALIDATION;
    }
  }

  /**
   * One fitted variant: the model, the ROC-AUC it was chosen by (pooled out-of-fold or validation; NaN when there
   * was no choice) and its test metrics.
   */
  public record VariantResult(ModelVariant variant, QualityModel model, double selectionRocAuc, BinaryMetrics test,
                              double fitSeconds) {}

  /** The chosen model, its test metrics, the comparison, and the example counts per split and class. */
  public record Result(QualityModel model, ModelVariant chosen, BinaryMetrics test, List<VariantResult> variants,
                       Map<String, Map<String, Long>> counts, String selection) {

    /** metrics.json: the chosen model's test metrics plus the comparison table. */
    public Map<String, Object> metricsMap() {
      Map<String, Object> m = new LinkedHashMap<>();
      m.put("chosen_variant", chosen.configName());
      m.put("chosen_description", chosen.description());
      m.put("selection", selection);
      m.put("test", test.asMap());
      List<Map<String, Object>> table = new ArrayList<>();
      for (VariantResult v : variants) {
        Map<String, Object> row = new LinkedHashMap<>();
        row.put("variant", v.variant().configName());
        row.put("description", v.variant().description());
        row.put("selection_roc_auc", Double.isNaN(v.selectionRocAuc()) ? null : v.selectionRocAuc());
        row.put("test_roc_auc", v.test().rocAuc());
        row.put("test_pr_auc", v.test().prAuc());
        row.put("test_f1", v.test().f1());
        row.put("fit_seconds", v.fitSeconds());
        table.add(row);
      }
      m.put("variants", table);
      m.put("examples", counts);
      return m;
    }
  }

  public static Result fit(Dataset<Row> labelled, Options options) {
    if (!labelled.storageLevel().equals(StorageLevel.NONE())) {
      return fitCached(labelled, options);
    }
    // Every variant reads the examples again: read the sources once.
    Dataset<Row> cached = labelled.persist(StorageLevel.MEMORY_AND_DISK());
    try {
      return fitCached(cached, options);
    } finally {
      cached.unpersist();
    }
  }

  private static Result fitCached(Dataset<Row> labelled, Options options) {
    boolean crossValidate = options.crossValidates();
    // Cross-validation chooses on every training example, so validation rows have nothing left to do: they train.
    Dataset<Row> rows = crossValidate ? labelled.withColumn(SPLIT, when(col(SPLIT).equalTo(DataSplit.VALIDATION),
        lit(DataSplit.TRAIN)).otherwise(col(SPLIT))) : labelled;
    Map<String, Map<String, Long>> counts = counts(rows);
    long trainPos = count(counts, DataSplit.TRAIN, "positives");
    long trainNeg = count(counts, DataSplit.TRAIN, "negatives");
    if (trainPos == 0 || trainNeg == 0) {
      throw new IllegalStateException("the training split has " + trainPos + " positives and " + trainNeg
          + " negatives: both classes are needed");
    }
    Dataset<Row> data = balance(rows, options.balance(), trainPos, trainNeg);
    Dataset<Row> train = data.filter(col(SPLIT).equalTo(DataSplit.TRAIN));
    Dataset<Row> validation = data.filter(col(SPLIT).equalTo(DataSplit.VALIDATION));
    Dataset<Row> test = data.filter(col(SPLIT).equalTo(DataSplit.TEST));
    boolean canValidate = count(counts, DataSplit.VALIDATION, "positives") > 0
        && count(counts, DataSplit.VALIDATION, "negatives") > 0;
    if (options.variants().size() > 1 && !crossValidate && !canValidate) {
      throw new IllegalStateException("cannot compare " + options.variants().size() + " variants: the validation "
          + "split needs both classes, it has " + counts.get(DataSplit.VALIDATION));
    }
    boolean weighted = options.balance() == Balance.WEIGHT;
    Dataset<Row> folded = crossValidate ? CrossValidation.withFolds(train, options.folds()) : null;
    List<VariantResult> results = new ArrayList<>();
    for (ModelVariant variant : options.variants()) {
      long start = System.nanoTime();
      PipelineModel model = fitPipeline(QualityPipeline.build(variant, options.features(), options.classifier(),
          weighted), train, weighted);
      double seconds = (System.nanoTime() - start) / 1e9;
      QualityModel scorer = new QualityModel(model);
      double selectionAuc = crossValidate
          ? CrossValidation.outOfFoldRocAuc(folded, options.folds(), variant, options, weighted)
          : options.variants().size() > 1
              ? BinaryMetrics.of(scorer.score(validation), QualityPipeline.LABEL, QualityModel.QUALITY_SCORE,
                  options.reportThreshold()).rocAuc()
              : Double.NaN;
      BinaryMetrics testMetrics = BinaryMetrics.of(scorer.score(test), QualityPipeline.LABEL,
          QualityModel.QUALITY_SCORE, options.reportThreshold());
      results.add(new VariantResult(variant, scorer, selectionAuc, testMetrics, seconds));
    }
    int best = 0;
    for (int i = 1; i < results.size(); i++) {
      if (results.get(i).selectionRocAuc() > results.get(best).selectionRocAuc()) {
        best = i;
      }
    }
    String selection = options.variants().size() == 1 ? "single variant"
        : crossValidate ? "highest pooled out-of-fold ROC-AUC, " + options.folds() + "-fold cross-validation of the "
            + "training split by split key"
        : "highest validation ROC-AUC";
    return new Result(results.get(best).model(), results.get(best).variant(), results.get(best).test(), results,
        counts, selection);
  }

  /**
   * Fits the feature stages, then the classifier on materialised feature vectors. The term counts are
   * materialised before the first feature estimator (IDF): its fit and the transform behind it would otherwise
   * tokenise and hash every document twice, the most expensive part of a fit. The classifier makes one pass per
   * iteration; without the second checkpoint every pass would ship and re-run the rest of the feature plan, whose
   * fitted IDF vectors alone are megabytes per task. Every partition sends back a dense gradient of
   * {@code buckets} doubles per iteration, so the vectors are held in at most one partition per core.
   */
  static PipelineModel fitPipeline(Pipeline pipeline, Dataset<Row> train, boolean weighted) {
    PipelineStage[] stages = pipeline.getStages();
    int classifierAt = stages.length - 1;
    int firstEstimator = 0;
    while (firstEstimator < classifierAt && !(stages[firstEstimator] instanceof Estimator<?>)) {
      firstEstimator++;
    }
    List<Transformer> fitted = new ArrayList<>();
    Dataset<Row> rows = train;
    Dataset<Row> counted = null;
    if (firstEstimator < classifierAt) {
      // Transformers only: fit() just assembles them, it reads no data.
      PipelineModel counting = new Pipeline().setStages(Arrays.copyOf(stages, firstEstimator)).fit(train);
      fitted.addAll(List.of(counting.stages()));
      String counts = ((HasInputCol) stages[firstEstimator]).getInputCol();
      counted = narrow(counting.transform(train), counts, weighted).persist(StorageLevel.MEMORY_AND_DISK());
      counted.count();
      rows = counted;
    }
    PipelineModel weighting = new Pipeline().setStages(Arrays.copyOfRange(stages, firstEstimator, classifierAt))
        .fit(rows);
    fitted.addAll(List.of(weighting.stages()));
    Dataset<Row> vectors = Lineage.cut(narrow(weighting.transform(rows), QualityPipeline.FEATURES, weighted), "");
    if (counted != null) {
      counted.unpersist();
    }
    fitted.add(((Estimator<?>) stages[classifierAt]).fit(vectors));
    Lineage.release(vectors); // the model keeps only its coefficients
    return new Pipeline().setStages(fitted.toArray(PipelineStage[]::new)).fit(train);
  }

  /** The label, {@code column} and (when weighted) the weight, in at most one partition per core. */
  private static Dataset<Row> narrow(Dataset<Row> rows, String column, boolean weighted) {
    List<Column> columns = new ArrayList<>(List.of(col(QualityPipeline.LABEL), col(column)));
    if (weighted) {
      columns.add(col(QualityPipeline.WEIGHT));
    }
    Dataset<Row> selected = rows.select(columns.toArray(Column[]::new));
    int cores = rows.sparkSession().sparkContext().defaultParallelism();
    return selected.rdd().getNumPartitions() > cores ? selected.coalesce(cores) : selected;
  }

  private static Dataset<Row> balance(Dataset<Row> data, Balance balance, long pos, long neg) {
    return switch (balance) {
      case NONE -> data;
      case WEIGHT -> {
        // Each class weighs half of the training total, whatever its size.
        double total = pos + neg;
        yield data.withColumn(QualityPipeline.WEIGHT, when(col(QualityPipeline.LABEL).equalTo(1.0),
            lit(total / (2.0 * pos))).otherwise(lit(total / (2.0 * neg))));
      }
      case DOWNSAMPLE -> {
        double keep = (double) Math.min(pos, neg) / Math.max(pos, neg);
        double majority = pos > neg ? 1.0 : 0.0;
        yield data.filter(col(SPLIT).notEqual(DataSplit.TRAIN).or(col(QualityPipeline.LABEL).notEqual(majority))
            .or(pmod(xxhash64(col(QualityPipeline.INPUT)), lit(1_000_000L)).lt(keep * 1_000_000)));
      }
    };
  }

  private static Map<String, Map<String, Long>> counts(Dataset<Row> labelled) {
    Map<String, Map<String, Long>> counts = new LinkedHashMap<>();
    for (String split : List.of(DataSplit.TRAIN, DataSplit.VALIDATION, DataSplit.TEST)) {
      Map<String, Long> byClass = new LinkedHashMap<>();
      byClass.put("positives", 0L);
      byClass.put("negatives", 0L);
      counts.put(split, byClass);
    }
    for (Row r : labelled.groupBy(SPLIT, QualityPipeline.LABEL).count().collectAsList()) {
      counts.get(r.getString(0)).put(r.getDouble(1) == 1.0 ? "positives" : "negatives", r.getLong(2));
    }
    return counts;
  }

  private static long count(Map<String, Map<String, Long>> counts, String split, String cls) {
    return counts.get(split).get(cls);
  }
}
