package io.llmforge.quality;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.concat;
import static org.apache.spark.sql.functions.countDistinct;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.pmod;
import static org.apache.spark.sql.functions.xxhash64;

import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;

/**
 * Variant selection by K-fold cross-validation of the training rows: folds by a hash of the split key (so the
 * chunks of one article stay in one fold, as they stay on one side of the train/test split), each fold scored by
 * a model fitted on the others, and the ROC-AUC of all out-of-fold scores pooled. Every training example counts
 * towards the choice, where a validation split would choose on a sample of a few articles.
 *
 * <p>The fold is a plain hash, not a stratified deal: it needs no sort of the training rows, so it scales with them;
 * pooled scoring needs no class in every fold, only both classes outside each fold (checked).
 */
final class CrossValidation {
  static final String FOLD = "_fold";

  private CrossValidation() {}

  /** The rows with their fold in {@link #FOLD}; fails if a class sits in a single fold. */
  static Dataset<Row> withFolds(Dataset<Row> train, int folds) {
    Dataset<Row> folded = train.withColumn(FOLD, pmod(xxhash64(concat(lit("fold\u0000"),
        col(TrainingSources.SPLIT_KEY))), lit(folds)));
    for (Row r : folded.groupBy(QualityPipeline.LABEL).agg(countDistinct(col(FOLD))).collectAsList()) {
      if (r.getLong(1) < 2) {
        throw new IllegalStateException("cannot cross-validate: every " + (r.getDouble(0) == 1.0 ? "positive"
            : "negative") + " training example is in one fold of " + folds + " (too few split keys); use "
            + "variant-selection = validation or a single variant");
      }
    }
    return folded;
  }

  /** Pooled out-of-fold ROC-AUC of {@code variant} on rows from {@link #withFolds}. */
  static double outOfFoldRocAuc(Dataset<Row> folded, int folds, ModelVariant variant, QualityTrainer.Options options,
                                boolean weighted) {
    Dataset<Row> outOfFold = null;
    for (int fold = 0; fold < folds; fold++) {
      QualityModel model = new QualityModel(QualityTrainer.fitPipeline(QualityPipeline.build(variant,
          options.features(), options.classifier(), weighted), folded.filter(col(FOLD).notEqual(fold)), weighted));
      // Checkpointed: the union below would otherwise re-run every fold's scoring when the metrics read it.
      Dataset<Row> scored = model.score(folded.filter(col(FOLD).equalTo(fold)))
          .select(QualityPipeline.LABEL, QualityModel.QUALITY_SCORE).localCheckpoint(true);
      outOfFold = outOfFold == null ? scored : outOfFold.unionByName(scored);
    }
    return BinaryMetrics.of(outOfFold, QualityPipeline.LABEL, QualityModel.QUALITY_SCORE, options.reportThreshold())
        .rocAuc();
  }
}
