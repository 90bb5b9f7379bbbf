package io.llmforge.quality;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.format_string;
import static org.apache.spark.sql.functions.lit;

import io.llmforge.pipeline.spark.DocumentSchema;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;

/**
 * Turns scored documents into kept ones with a {@code sample_weight} and rejected ones with a reason. Cut-offs
 * come from {@code approxQuantile}, so nothing data-sized reaches the driver. Pure composition of Spark
 * expressions: the rules themselves are {@link KeepMode} and {@link WeightTiers}.
 */
public final class QualitySelection {
  public static final String STAGE = "quality";

  private QualitySelection() {}

  /**
   * @param cutoff      the score a document needs to be kept
   * @param tierCutoffs the score each weight tier starts at, best tier first
   */
  public record Selection(Dataset<Row> kept, Dataset<Row> rejected, double cutoff, double[] tierCutoffs,
                          Column weight) {}

  /**
   * @param scored    documents with a {@code quality_score} column (cache it: it is read several times)
   * @param documents how many rows {@code scored} has
   */
  public static Selection apply(Dataset<Row> scored, long documents, KeepMode mode, double threshold,
                                double topFraction, WeightTiers tiers, double quantileError) {
    double cutoff = mode == KeepMode.THRESHOLD ? threshold
        : topCutoffs(scored, documents, new double[] {topFraction}, quantileError)[0];
    Column score = col(QualityModel.QUALITY_SCORE);
    Dataset<Row> kept = scored.filter(score.geq(cutoff));
    double[] tops = new double[tiers.tiers().size()];
    for (int i = 0; i < tops.length; i++) {
      tops[i] = tiers.tiers().get(i).top();
    }
    double[] tierCutoffs = tops.length == 0 ? new double[0]
        : topCutoffs(kept, kept.count(), tops, quantileError);
    Column weight = tiers.column(QualityModel.QUALITY_SCORE, tierCutoffs);
    String rule = mode == KeepMode.THRESHOLD ? "threshold" : "top-fraction cut-off";
    Dataset<Row> rejected = scored.filter(score.lt(cutoff))
        .withColumn(DocumentSchema.REJECT_STAGE, lit(STAGE))
        .withColumn(DocumentSchema.REJECT_REASON,
            format_string("quality_score %.4f < " + rule + " %.4f", score, lit(cutoff)));
    return new Selection(kept.withColumn(QualityModel.SAMPLE_WEIGHT, weight), rejected, cutoff, tierCutoffs, weight);
  }

  /**
   * For each share in {@code tops}, the score of the document ranked {@code round(top * n)} from the top, so
   * that {@code score >= cut-off} keeps that many documents (more only when scores tie at the cut-off). Spark's
   * quantile at probability p is the value of rank ceil(p * n) from the bottom; the half-rank shift makes it the
   * last document inside the share. A share of 1 keeps everything; no documents give +infinity.
   */
  static double[] topCutoffs(Dataset<Row> scores, long n, double[] tops, double error) {
    double[] cutoffs = new double[tops.length];
    if (n == 0) {
      java.util.Arrays.fill(cutoffs, Double.POSITIVE_INFINITY);
      return cutoffs;
    }
    double[] probabilities = new double[tops.length];
    for (int i = 0; i < tops.length; i++) {
      probabilities[i] = Math.min(1.0, 1.0 - tops[i] + 0.5 / n);
    }
    double[] q = quantiles(scores, probabilities, error);
    for (int i = 0; i < tops.length; i++) {
      cutoffs[i] = tops[i] >= 1.0 ? Double.NEGATIVE_INFINITY : q[i];
    }
    return cutoffs;
  }

  /** Score quantiles; +infinity (nothing passes) when there are no documents. */
  static double[] quantiles(Dataset<Row> data, double[] probabilities, double error) {
    double[] q = data.stat().approxQuantile(QualityModel.QUALITY_SCORE, probabilities, error);
    if (q.length == probabilities.length) {
      return q;
    }
    double[] none = new double[probabilities.length];
    java.util.Arrays.fill(none, Double.POSITIVE_INFINITY);
    return none;
  }
}
