package io.llmforge.trainer.generate;

import java.util.Arrays;
import java.util.Random;

/**
 * Picks the next token from one row of logits: temperature, then top-k, then top-p (nucleus) filtering, then a draw
 * from what is left. Temperature 0 means greedy (arg max).
 *
 * @param temperature logits are divided by it; 0 for greedy decoding
 * @param topK        keep only the k most likely tokens; 0 keeps all
 * @param topP        keep the smallest set of most likely tokens whose probability reaches p; 1 keeps all
 */
public record Sampler(double temperature, int topK, double topP) {

  public Sampler {
    if (temperature < 0 || topK < 0 || topP <= 0 || topP > 1) {
      throw new IllegalArgumentException("need temperature >= 0, topK >= 0 and 0 < topP <= 1, got " + temperature
          + ", " + topK + ", " + topP);
    }
  }

  /** Greedy decoding. */
  public static Sampler greedy() {
    return new Sampler(0, 0, 1);
  }

  /** The next token id. */
  public int sample(double[] logits, Random random) {
    if (temperature == 0) {
      return argMax(logits);
    }
    double[] p = probabilities(logits);
    double u = random.nextDouble();
    double cumulative = 0;
    int last = 0;
    for (int i = 0; i < p.length; i++) {
      if (p[i] > 0) {
        cumulative += p[i];
        last = i;
        if (u < cumulative) {
          return i;
        }
      }
    }
    return last; // rounding left u just above the total
  }

  /** The distribution {@link #sample} draws from (temperature > 0): filtered tokens get probability 0. */
  public double[] probabilities(double[] logits) {
    int v = logits.length;
    double[] scaled = new double[v];
    for (int i = 0; i < v; i++) {
      scaled[i] = logits[i] / temperature;
    }
    if (topK > 0 && topK < v) {
      double[] sorted = scaled.clone();
      Arrays.sort(sorted);
      double kth = sorted[v - topK];
      for (int i = 0; i < v; i++) {
        if (scaled[i] < kth) {
          scaled[i] = Double.NEGATIVE_INFINITY;
        }
      }
    }
    double[] p = softmax(scaled);
    if (topP < 1) {
      Integer[] order = new Integer[v];
      for (int i = 0; i < v; i++) {
        order[i] = i;
      }
      Arrays.sort(order, (a, b) -> Double.compare(p[b], p[a]));
      double cumulative = 0;
      int keep = 0;
      while (keep < v && (keep == 0 || cumulative < topP)) { // always keep the most likely token
        cumulative += p[order[keep]];
        keep++;
      }
      for (int i = keep; i < v; i++) {
        p[order[i]] = 0;
      }
      for (int i = 0; i < v; i++) {
        p[i] /= cumulative;
      }
    }
    return p;
  }

  static int argMax(double[] values) {
    int best = 0;
    for (int i = 1; i < values.length; i++) {
      if (values[i] > values[best]) {
        best = i;
      }
    }
    return best;
  }

  private static double[] softmax(double[] x) {
    double max = Double.NEGATIVE_INFINITY;
    for (double value : x) {
      max = Math.max(max, value);
    }
    double sum = 0;
    double[] p = new double[x.length];
    for (int i = 0; i < x.length; i++) {
      p[i] = Math.exp(x[i] - max); // exp(-inf) = 0 for filtered tokens
      sum += p[i];
    }
    for (int i = 0; i < x.length; i++) {
      p[i] /= sum;
    }
    return p;
  }
}
