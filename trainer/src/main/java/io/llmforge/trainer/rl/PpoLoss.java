package io.llmforge.trainer.rl;

/**
 * PPO's pieces as plain functions of per-token arrays (Schulman et al. 2017; Ouyang et al. 2022 for the RLHF
 * shaping, as TRL's {@code PPOTrainer} and OpenRLHF): the per-token reward with the KL penalty, generalised advantage
 * estimation, and the clipped policy and value losses.
 */
public final class PpoLoss {
  private PpoLoss() {}

  /**
   * Per-token rewards of one answer: {@code -klCoef (logp_old - logp_ref)} at every token (the KL leash, paid where
   * the policy drifts) plus the sequence's score on its last token.
   */
  public static double[] rewards(double score, double[] old, double[] reference, double klCoef) {
    double[] r = new double[old.length];
    for (int t = 0; t < r.length; t++) {
      r[t] = -klCoef * (old[t] - reference[t]);
    }
    r[r.length - 1] += score;
    return r;
  }

  /** Advantages and returns (= advantages + values, the value head's targets) of one answer. */
  public record Estimates(double[] advantages, double[] returns) {}

  /**
   * Generalised advantage estimation over one answer's tokens: {@code delta_t = r_t + gamma V_{t+1} - V_t} (V after the
   * last token is 0: the episode ends), {@code A_t = delta_t + gamma lambda A_{t+1}}.
   */
  public static Estimates gae(double[] rewards, double[] values, double gamma, double lambda) {
    int n = rewards.length;
    double[] a = new double[n];
    double[] ret = new double[n];
    double next = 0;
    double nextValue = 0;
    for (int t = n - 1; t >= 0; t--) {
      double delta = rewards[t] + gamma * nextValue - values[t];
      next = delta + gamma * lambda * next;
      a[t] = next;
      ret[t] = next + values[t];
      nextValue = values[t];
    }
    return new Estimates(a, ret);
  }

  /** Whitens advantages over every token of the batch (mean 0, std 1), as PPO implementations do before the update. */
  public static void whiten(double[][] advantages) {
    double sum = 0;
    double sq = 0;
    long n = 0;
    for (double[] row : advantages) {
      for (double x : row) {
        sum += x;
        sq += x * x;
        n++;
      }
    }
    if (n < 2) {
      return;
    }
    double mean = sum / n;
    double std = Math.sqrt(Math.max(0, (sq - n * mean * mean) / (n - 1)));
    for (double[] row : advantages) {
      for (int t = 0; t < row.length; t++) {
        row[t] = (row[t] - mean) / (std + 1e-8);
      }
    }
  }

  /**
   * The summed loss and its gradients with respect to the policy's per-token log-probs and the value head's outputs,
   * plus statistics summed over tokens (policy-clipped tokens, value-clipped tokens, value loss; token count).
   */
  public record Result(double loss, double[][] dPolicy, double[][] dValues, double clipped, double valueClipped,
      double valueLoss, long tokens) {}

  /**
   * For token t of a sequence: the clipped surrogate {@code min(r A, clip(r, 1 +- eps) A)} with
   * {@code r = exp(logpi - logpi_old)}, and the clipped value loss
   * {@code 0.5 max((V - R)^2, (V_old + clip(V - V_old, +- valueClip) - R)^2)} weighted by {@code valueCoef}; a
   * sequence's loss is the mean over its tokens, the batch's the sum over sequences (the trainer divides by the
   * sequence count), as {@link GrpoLoss}.
   */
  public static Result of(double[][] policy, double[][] old, double[][] advantages, double[][] values,
      double[][] oldValues, double[][] returns, double epsilon, double valueClip, double valueCoef) {
    double loss = 0;
    double clipped = 0;
    double valueClipped = 0;
    double valueLoss = 0;
    long tokens = 0;
    double[][] dp = new double[policy.length][];
    double[][] dv = new double[policy.length][];
    for (int s = 0; s < policy.length; s++) {
      int n = policy[s].length;
      dp[s] = new double[n];
      dv[s] = new double[n];
      for (int t = 0; t < n; t++) {
        double a = advantages[s][t];
        double ratio = Math.exp(policy[s][t] - old[s][t]);
        double bounded = Math.max(1 - epsilon, Math.min(1 + epsilon, ratio));
        boolean clip = bounded * a < ratio * a; // the clipped side is the minimum: no gradient through the ratio
        double surrogate = Math.min(ratio * a, bounded * a);
        dp[s][t] = -(clip ? 0 : ratio * a) / n;

        double v = values[s][t];
        double vClippedValue = oldValues[s][t] + Math.max(-valueClip, Math.min(valueClip, v - oldValues[s][t]));
        double plain = (v - returns[s][t]) * (v - returns[s][t]);
        double limited = (vClippedValue - returns[s][t]) * (vClippedValue - returns[s][t]);
        boolean useClipped = limited > plain;
        double vl = 0.5 * Math.max(plain, limited);
        boolean inRange = Math.abs(v - oldValues[s][t]) < valueClip;
        // d/dV: the plain branch 2(V - R)/2; the clipped branch moves with V only inside the clip range
        double dV = useClipped ? (inRange ? vClippedValue - returns[s][t] : 0) : v - returns[s][t];
        dv[s][t] = valueCoef * dV / n;

        loss += (-surrogate + valueCoef * vl) / n;
        valueLoss += vl;
        clipped += clip ? 1 : 0;
        valueClipped += useClipped ? 1 : 0;
      }
      tokens += n;
    }
    return new Result(loss, dp, dv, clipped, valueClipped, valueLoss, tokens);
  }
}
