package io.llmforge.trainer.reward;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.llmforge.trainer.loop.Logistic;
import io.llmforge.trainer.preference.PreferencePairs.Pair;
import java.util.ArrayList;
import java.util.List;

/**
 * How good a reward model is on held-out pairs: pairwise accuracy (ties count half), mean margin
 * {@code r_chosen - r_rejected}, mean Bradley-Terry loss, and a calibration table: each pair's predicted probability
 * that the chosen answer wins, {@code p = sigmoid(margin)}, binned by confidence {@code max(p, 1 - p)}, with the
 * accuracy observed in each bin and the expected calibration error.
 */
public final class RewardEvaluation {
  static final double[] BIN_EDGES = {0.5, 0.6, 0.7, 0.8, 0.9, 1.0};

  private RewardEvaluation() {}

  /** Rewards of each pair's chosen and rejected answer. */
  public record Scores(double[] chosen, double[] rejected) {}

  /** One calibration bin: {@code pairs} whose confidence fell in [from, to). */
  public record Bin(double from, double to, int pairs, double meanConfidence, double accuracy) {}

  public record Report(int pairs, double accuracy, double meanMargin, double loss, List<Bin> calibration,
      double expectedCalibrationError) {

    public ObjectNode toJson() {
      ObjectNode n = JsonNodeFactory.instance.objectNode();
      n.put("pairs", pairs);
      n.put("accuracy", accuracy);
      n.put("mean_margin", meanMargin);
      n.put("loss", loss);
      n.put("expected_calibration_error", expectedCalibrationError);
      var bins = n.putArray("calibration");
      for (Bin b : calibration) {
        ObjectNode o = bins.addObject();
        o.put("confidence_from", b.from());
        o.put("confidence_to", b.to());
        o.put("pairs", b.pairs());
        o.put("mean_confidence", b.meanConfidence());
        o.put("accuracy", b.accuracy());
      }
      return n;
    }
  }

  public static Scores score(RewardModel model, List<Pair> pairs, int batchSize) {
    List<int[]> rows = new ArrayList<>(2 * pairs.size());
    for (Pair p : pairs) {
      rows.add(p.chosen());
      rows.add(p.rejected());
    }
    double[] r = model.score(rows, 2 * batchSize);
    double[] chosen = new double[pairs.size()];
    double[] rejected = new double[pairs.size()];
    for (int i = 0; i < pairs.size(); i++) {
      chosen[i] = r[2 * i];
      rejected[i] = r[2 * i + 1];
    }
    return new Scores(chosen, rejected);
  }

  public static Report evaluate(RewardModel model, List<Pair> pairs, int batchSize) {
    return report(score(model, pairs, batchSize));
  }

  /** The report of given scores (a plain function: tested on hand-made margins). */
  public static Report report(Scores s) {
    int n = s.chosen().length;
    int bins = BIN_EDGES.length - 1;
    int[] count = new int[bins];
    double[] confidence = new double[bins];
    double[] right = new double[bins];
    double correct = 0;
    double margin = 0;
    double loss = 0;
    for (int i = 0; i < n; i++) {
      double m = s.chosen()[i] - s.rejected()[i];
      double win = m > 0 ? 1 : m == 0 ? 0.5 : 0;
      correct += win;
      margin += m;
      loss += Logistic.softplus(-m);
      double p = Logistic.sigmoid(m);
      double conf = Math.max(p, 1 - p);
      int b = Math.min(bins - 1, (int) ((conf - 0.5) / 0.1));
      count[b]++;
      confidence[b] += conf;
      right[b] += win;
    }
    List<Bin> table = new ArrayList<>();
    double ece = 0;
    for (int b = 0; b < bins; b++) {
      double meanConf = count[b] == 0 ? 0 : confidence[b] / count[b];
      double acc = count[b] == 0 ? 0 : right[b] / count[b];
      table.add(new Bin(BIN_EDGES[b], BIN_EDGES[b + 1], count[b], meanConf, acc));
      ece += n == 0 ? 0 : (double) count[b] / n * Math.abs(acc - meanConf);
    }
    return n == 0 ? new Report(0, Double.NaN, Double.NaN, Double.NaN, table, Double.NaN)
        : new Report(n, correct / n, margin / n, loss / n, table, ece);
  }
}
