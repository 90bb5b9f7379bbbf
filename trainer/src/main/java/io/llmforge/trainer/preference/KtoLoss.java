package io.llmforge.trainer.preference;

/**
 * Kahneman-Tversky optimisation's loss (Ethayarajh et al. 2024, as TRL's {@code KTOTrainer}) on a batch of labelled
 * answers, a plain function of sequence log-probabilities (each summed over the answer's tokens). With the log-ratio
 * {@code r = logpi(y|x) - logref(y|x)} and the reference point {@code z0} (the batch's KL estimate, clamped at 0,
 * no gradient): a desirable answer costs {@code wD (1 - sigmoid(beta (r - z0)))}, an undesirable one
 * {@code wU (1 - sigmoid(beta (z0 - r)))}. The implicit reward of an answer is {@code beta r}; it agrees with the
 * label when a desirable answer's r is above z0 and an undesirable one's below.
 */
public final class KtoLoss {
  private KtoLoss() {}

  /**
   * Summed loss, its gradient with respect to each answer's log-prob under the policy, and statistics (sums).
   *
   * @param correct answers whose implicit reward sits on their label's side of z0 (ties half)
   */
  public record Result(double loss, double[] dPolicy, double correct, double desirable, double undesirable,
      double desirableRewards, double undesirableRewards) {}

  /** KTO's reference point: the mean policy/reference log-ratio of mismatched answers, never below 0. */
  public static double referencePoint(double sumOfLogRatios, double count) {
    return count == 0 ? 0 : Math.max(0, sumOfLogRatios / count);
  }

  public static Result of(double[] policy, double[] reference, boolean[] desirable, double z0, double beta,
      double desirableWeight, double undesirableWeight) {
    int n = policy.length;
    double[] d = new double[n];
    double loss = 0;
    double correct = 0;
    double nD = 0;
    double rewardsD = 0;
    double rewardsU = 0;
    for (int i = 0; i < n; i++) {
      double r = policy[i] - reference[i];
      double x = beta * (desirable[i] ? r - z0 : z0 - r);
      double s = sigmoid(x);
      double w = desirable[i] ? desirableWeight : undesirableWeight;
      loss += w * (1 - s);
      double dx = -w * s * (1 - s); // d loss / d x
      d[i] = desirable[i] ? dx * beta : -dx * beta;
      correct += x > 0 ? 1 : x == 0 ? 0.5 : 0;
      if (desirable[i]) {
        nD++;
        rewardsD += beta * r;
      } else {
        rewardsU += beta * r;
      }
    }
    return new Result(loss, d, correct, nD, n - nD, rewardsD, rewardsU);
  }

  static double sigmoid(double x) {
    return x >= 0 ? 1 / (1 + Math.exp(-x)) : Math.exp(x) / (1 + Math.exp(x));
  }
}
