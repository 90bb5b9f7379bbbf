package io.llmforge.trainer.rl;

/**
 * GRPO's objective on a batch of sampled answers (Shao et al. 2024, DeepSeekMath; as TRL's {@code GRPOTrainer}), a
 * plain function of per-token log-probabilities. For answer token t of a sequence with advantage A: the ratio
 * {@code r = exp(logpi - logpi_old)}, the clipped surrogate {@code min(r A, clip(r, 1 - eps, 1 + eps) A)}, and the
 * KL to the reference with the k3 estimator {@code exp(ref - logpi) - (ref - logpi) - 1} (unbiased, always >= 0);
 * a token's loss is {@code -surrogate + beta kl}, a sequence's the mean over its tokens, the batch's the sum over
 * sequences (the trainer divides by the sequence count).
 */
public final class GrpoLoss {
  private GrpoLoss() {}

  /**
   * The summed loss, dL/dlogpi per token, and statistics (sums over tokens: kl, clipped tokens; token count).
   */
  public record Result(double loss, double[][] dPolicy, double kl, double clipped, long tokens) {}

  /** Group-normalised advantages: each reward minus its group's mean, over the group's std (+ 1e-4); 0 in a tie. */
  public static double[] advantages(double[] rewards, int groupSize) {
    if (rewards.length % groupSize != 0) {
      throw new IllegalArgumentException(rewards.length + " rewards are not groups of " + groupSize);
    }
    double[] a = new double[rewards.length];
    for (int g = 0; g < rewards.length; g += groupSize) {
      double mean = 0;
      for (int i = g; i < g + groupSize; i++) {
        mean += rewards[i] / groupSize;
      }
      double var = 0;
      for (int i = g; i < g + groupSize; i++) {
        var += (rewards[i] - mean) * (rewards[i] - mean) / Math.max(1, groupSize - 1);
      }
      double std = Math.sqrt(var);
      for (int i = g; i < g + groupSize; i++) {
        a[i] = (rewards[i] - mean) / (std + 1e-4);
      }
    }
    return a;
  }

  public static Result of(double[][] policy, double[][] old, double[][] reference, double[] advantages,
      double epsilon, double beta) {
    double loss = 0;
    double kl = 0;
    double clipped = 0;
    long tokens = 0;
    double[][] d = new double[policy.length][];
    for (int s = 0; s < policy.length; s++) {
      int n = policy[s].length;
      d[s] = new double[n];
      double a = advantages[s];
      for (int t = 0; t < n; t++) {
        double ratio = Math.exp(policy[s][t] - old[s][t]);
        double bounded = Math.max(1 - epsilon, Math.min(1 + epsilon, ratio));
        double surrogate = Math.min(ratio * a, bounded * a);
        boolean clip = bounded * a < ratio * a; // the clipped side is the minimum: no gradient through the ratio
        double delta = reference[s][t] - policy[s][t];
        double k3 = Math.exp(delta) - delta - 1;
        loss += (-surrogate + beta * k3) / n;
        double dSurrogate = clip ? 0 : ratio * a;
        d[s][t] = (-dSurrogate + beta * (1 - Math.exp(delta))) / n;
        kl += k3;
        clipped += clip ? 1 : 0;
      }
      tokens += n;
    }
    return new Result(loss, d, kl, clipped, tokens);
  }
}
