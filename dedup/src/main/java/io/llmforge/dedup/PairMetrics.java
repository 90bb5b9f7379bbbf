package io.llmforge.dedup;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Precision and recall of found near-duplicate pairs against the exact reference pairs (J >= threshold),
 * with recall also broken down by similarity range, where misses near the threshold are expected.
 */
public record PairMetrics(long truthPairs, long foundPairs, long truePositives, double precision, double recall,
    Map<String, String> recallBySimilarity) {

  /** Recall is broken down by these lower bounds, from the threshold up. */
  private static final double[] BINS = {0.8, 0.85, 0.9, 0.95, 1.0};

  public static PairMetrics of(PairSet found, PairSet truth, double threshold) {
    int tp = found.intersectionSize(truth);
    double precision = found.size() == 0 ? 1.0 : (double) tp / found.size();
    double recall = truth.size() == 0 ? 1.0 : (double) tp / truth.size();
    Map<String, String> bins = new LinkedHashMap<>();
    double lower = threshold;
    for (double upper : BINS) {
      if (upper <= lower) {
        continue;
      }
      bins.put(String.format("[%.2f,%.2f)", lower, upper), binRecall(found, truth, lower, upper));
      lower = upper;
    }
    bins.put(String.format("[%.2f,1.00]", lower), binRecall(found, truth, lower, Double.POSITIVE_INFINITY));
    return new PairMetrics(truth.size(), found.size(), tp, precision, recall, bins);
  }

  private static String binRecall(PairSet found, PairSet truth, double lower, double upper) {
    int total = 0;
    int hit = 0;
    for (int i = 0; i < truth.size(); i++) {
      double s = truth.similarity(i);
      if (s >= lower && s < upper) {
        total++;
        if (found.contains(truth.key(i))) {
          hit++;
        }
      }
    }
    return total == 0 ? "-" : String.format("%.4f (%d/%d)", (double) hit / total, hit, total);
  }

  public Map<String, Object> asMap() {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("truth_pairs", truthPairs);
    m.put("found_pairs", foundPairs);
    m.put("true_positives", truePositives);
    m.put("precision", precision);
    m.put("recall", recall);
    m.put("recall_by_similarity", recallBySimilarity);
    return m;
  }
}
