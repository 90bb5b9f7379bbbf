package io.llmforge.quality;

import static org.apache.spark.sql.functions.avg;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.count;
import static org.apache.spark.sql.functions.floor;
import static org.apache.spark.sql.functions.least;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.not;
import static org.apache.spark.sql.functions.sum;
import static org.apache.spark.sql.functions.when;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.spark.ml.evaluation.BinaryClassificationEvaluator;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.storage.StorageLevel;

/**
 * How well scores separate two classes on held-out data: ROC-AUC, PR-AUC (the positive class is the
 * reference-quality one), precision/recall at a threshold, and a calibration table (per tenth of the score
 * range: how many examples, their mean score and the share that really is positive).
 */
public record BinaryMetrics(long positives, long negatives, double rocAuc, double prAuc, double threshold,
                            double precision, double recall, double f1, double accuracy,
                            List<CalibrationBin> calibration) {

  /** One tenth of the score range. */
  public record CalibrationBin(double from, double to, long count, double meanScore, double observedPositiveRate) {}

  /**
   * @param data  rows with a 0/1 {@code label} column and a {@code score} column in [0, 1]
   */
  public static BinaryMetrics of(Dataset<Row> scored, String label, String score, double threshold) {
    // Scoring is the expensive part and four passes read the scores: compute them once.
    Dataset<Row> data = scored.select(col(label).cast("double").as(label), col(score))
        .persist(StorageLevel.MEMORY_AND_DISK());
    try {
      return compute(data, label, score, threshold);
    } finally {
      data.unpersist();
    }
  }

  private static BinaryMetrics compute(Dataset<Row> data, String label, String score, double threshold) {
    Column positive = col(label).equalTo(1.0);
    Column predicted = col(score).geq(threshold);
    Row counts = data.agg(
        sum(when(positive, 1).otherwise(0)).as("p"),
        sum(when(not(positive), 1).otherwise(0)).as("n"),
        sum(when(positive.and(predicted), 1).otherwise(0)).as("tp"),
        sum(when(not(positive).and(predicted), 1).otherwise(0)).as("fp"),
        sum(when(not(positive).and(not(predicted)), 1).otherwise(0)).as("tn")).first();
    long p = counts.isNullAt(0) ? 0 : counts.getLong(0);
    long n = counts.isNullAt(1) ? 0 : counts.getLong(1);
    if (p == 0 || n == 0) {
      throw new IllegalStateException("cannot evaluate: the held-out data has " + p + " positives and " + n
          + " negatives; add data or raise the held-out fraction");
    }
    long tp = counts.getLong(2);
    long fp = counts.getLong(3);
    long tn = counts.getLong(4);
    double precision = tp + fp == 0 ? 0 : (double) tp / (tp + fp);
    double recall = (double) tp / p;
    double f1 = precision + recall == 0 ? 0 : 2 * precision * recall / (precision + recall);
    BinaryClassificationEvaluator evaluator = new BinaryClassificationEvaluator().setLabelCol(label)
        .setRawPredictionCol(score).setNumBins(0);
    double roc = evaluator.setMetricName("areaUnderROC").evaluate(data);
    double pr = evaluator.setMetricName("areaUnderPR").evaluate(data);
    return new BinaryMetrics(p, n, roc, pr, threshold, precision, recall, f1, (double) (tp + tn) / (p + n),
        calibration(data, label, score));
  }

  private static List<CalibrationBin> calibration(Dataset<Row> data, String label, String score) {
    Column bin = least(floor(col(score).multiply(10)), lit(9L)).as("bin");
    List<Row> rows = data.groupBy(bin).agg(count(lit(1)).as("count"), avg(col(score)).as("mean"),
        avg(col(label)).as("observed")).orderBy("bin").collectAsList();
    List<CalibrationBin> bins = new ArrayList<>();
    for (Row r : rows) {
      long b = r.getLong(0);
      bins.add(new CalibrationBin(b / 10.0, (b + 1) / 10.0, r.getLong(1), r.getDouble(2), r.getDouble(3)));
    }
    return bins;
  }

  /** The metrics as plain maps and lists, for metrics.json. */
  public Map<String, Object> asMap() {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("positives", positives);
    m.put("negatives", negatives);
    m.put("roc_auc", rocAuc);
    m.put("pr_auc", prAuc);
    m.put("threshold", threshold);
    m.put("precision", precision);
    m.put("recall", recall);
    m.put("f1", f1);
    m.put("accuracy", accuracy);
    List<Map<String, Object>> table = new ArrayList<>();
    for (CalibrationBin b : calibration) {
      Map<String, Object> row = new LinkedHashMap<>();
      row.put("score_from", b.from());
      row.put("score_to", b.to());
      row.put("count", b.count());
      row.put("mean_score", b.meanScore());
      row.put("observed_positive_rate", b.observedPositiveRate());
      table.add(row);
    }
    m.put("calibration", table);
    return m;
  }
}
