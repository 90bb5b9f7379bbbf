package io.llmforge.trainer.generate;

import java.util.Arrays;
import java.util.Map;
import java.util.Random;
import java.util.Set;

/**
 * Picks the next token from one row of logits. The logits are first adjusted: the repetition penalty (CTRL, Keskar
 * et al. 2019; Hugging Face's {@code repetition_penalty}) on every id already in the row's context, then the logit
 * bias (OpenAI's {@code logit_bias}) added. Then temperature, top-k and top-p (nucleus) filtering, and a draw from
 * what is left. Temperature 0 means greedy: the arg max of the adjusted logits.
 *
 * @param temperature       logits are divided by it; 0 for greedy decoding
 * @param topK              keep only the k most likely tokens; 0 keeps all
 * @param topP              keep the smallest set of most likely tokens whose probability reaches p; 1 keeps all
 * @param repetitionPenalty for each distinct id in the context, a logit > 0 is divided by it and one < 0 multiplied
 *                          by it (so > 1 discourages repeats, < 1 encourages them); 1 is off
 * @param logitBias         token id to a value added to its logit: +5 on the end token makes the model stop sooner,
 *                          -100 practically bans a token
 * @param penaltyExempt     ids the repetition penalty never touches; generation adds its stop ids ({@link #sparing})
 */
public record Sampler(double temperature, int topK, double topP, double repetitionPenalty,
    Map<Integer, Double> logitBias, Set<Integer> penaltyExempt) {
  private static final int[] NO_CONTEXT = new int[0];

  public Sampler {
    if (!(temperature >= 0) || topK < 0 || !(topP > 0 && topP <= 1)) {
      throw new IllegalArgumentException("need temperature >= 0, topK >= 0 and 0 < topP <= 1, got " + temperature
          + ", " + topK + ", " + topP);
    }
    if (!(repetitionPenalty > 0) || Double.isInfinite(repetitionPenalty)) {
      throw new IllegalArgumentException("the repetition penalty must be a finite number > 0 (1 is off), got "
          + repetitionPenalty);
    }
    logitBias = logitBias == null ? Map.of() : logitBias;
    for (Map.Entry<Integer, Double> e : logitBias.entrySet()) {
      if (e.getKey() == null || e.getKey() < 0) {
        throw new IllegalArgumentException("logit bias for token id " + e.getKey() + ": ids must be >= 0");
      }
      if (e.getValue() == null || !Double.isFinite(e.getValue())) {
        throw new IllegalArgumentException("logit bias for token id " + e.getKey() + " must be a finite number, got "
            + e.getValue());
      }
    }
    logitBias = Map.copyOf(logitBias);
    penaltyExempt = penaltyExempt == null ? Set.of() : Set.copyOf(penaltyExempt);
  }

  /** Every id subject to the repetition penalty. */
  public Sampler(double temperature, int topK, double topP, double repetitionPenalty, Map<Integer, Double> logitBias) {
    this(temperature, topK, topP, repetitionPenalty, logitBias, Set.of());
  }

  /** No repetition penalty, no logit bias. */
  public Sampler(double temperature, int topK, double topP) {
    this(temperature, topK, topP, 1.0, Map.of());
  }

  /** Greedy decoding. */
  public static Sampler greedy() {
    return new Sampler(0, 0, 1);
  }

  public Sampler withRepetitionPenalty(double penalty) {
    return new Sampler(temperature, topK, topP, penalty, logitBias, penaltyExempt);
  }

  /** The same sampler with these ids left out of the repetition penalty. */
  public Sampler withPenaltyExempt(Set<Integer> ids) {
    return new Sampler(temperature, topK, topP, repetitionPenalty, logitBias, ids);
  }

  /**
   * The sampler a generation that ends at {@code stopIds} decodes with: those ids join the exempt ones. An id that
   * ends the generation is in the context because it ended something before (every turn of a chat prompt closes
   * with {@code <|end|>}, a text prompt starts with {@code <|endoftext|>}); penalising it for that keeps the answer
   * from ending, the opposite of what the penalty is for.
   */
  public Sampler sparing(Set<Integer> stopIds) {
    if (repetitionPenalty == 1 || stopIds == null || penaltyExempt.containsAll(stopIds)) {
      return this;
    }
    Set<Integer> exempt = new java.util.HashSet<>(penaltyExempt);
    exempt.addAll(stopIds);
    return withPenaltyExempt(exempt);
  }

  public Sampler withLogitBias(Map<Integer, Double> bias) {
    return new Sampler(temperature, topK, topP, repetitionPenalty, bias, penaltyExempt);
  }

  /** The next token id, with no context (the repetition penalty has nothing to act on; the bias applies). */
  public int sample(double[] logits, Random random) {
    return sample(logits, NO_CONTEXT, 0, random);
  }

  /**
   * The next token id for a row whose tokens so far (prompt and generated) are {@code context[0, contextLength)}.
   */
  public int sample(double[] logits, int[] context, int contextLength, Random random) {
    double[] adjusted = adjust(logits, context, contextLength);
    if (temperature == 0) {
      return argMax(adjusted);
    }
    double[] p = filter(adjusted);
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

  /**
   * The logits after the repetition penalty (each distinct id of {@code context[0, contextLength)} once) and the
   * logit bias; a new array.
   */
  public double[] adjust(double[] logits, int[] context, int contextLength) {
    int v = logits.length;
    if (contextLength < 0 || contextLength > context.length) {
      throw new IllegalArgumentException("context length " + contextLength + " is outside [0, " + context.length
          + "]");
    }
    double[] out = logits.clone();
    if (repetitionPenalty != 1) {
      boolean[] seen = new boolean[v];
      for (int i = 0; i < contextLength; i++) {
        int id = context[i];
        if (id < 0 || id >= v) {
          throw new IllegalArgumentException("context id " + id + " at " + i + " is outside [0, " + v + ")");
        }
        if (!seen[id]) {
          seen[id] = true;
          if (penaltyExempt.contains(id)) {
            continue;
          }
          out[id] = out[id] > 0 ? out[id] / repetitionPenalty : out[id] * repetitionPenalty;
        }
      }
    }
    for (Map.Entry<Integer, Double> e : logitBias.entrySet()) {
      if (e.getKey() >= v) {
        throw new IllegalArgumentException("logit bias for token id " + e.getKey() + ", but the vocabulary has " + v
            + " ids");
      }
      out[e.getKey()] += e.getValue();
    }
    return out;
  }

  /** The distribution {@link #sample(double[], Random)} draws from: filtered tokens get probability 0. */
  public double[] probabilities(double[] logits) {
    return probabilities(logits, NO_CONTEXT, 0);
  }

  /**
   * The distribution {@link #sample(double[], int[], int, Random)} draws from (greedy: all mass on the arg max).
   */
  public double[] probabilities(double[] logits, int[] context, int contextLength) {
    double[] adjusted = adjust(logits, context, contextLength);
    if (temperature == 0) {
      double[] p = new double[adjusted.length];
      p[argMax(adjusted)] = 1;
      return p;
    }
    return filter(adjusted);
  }

  /** Temperature, top-k, softmax, top-p. */
  private double[] filter(double[] logits) {
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
