package io.llmforge.trainer.preference;

import static io.llmforge.trainer.loop.Logistic.sigmoid;
import static io.llmforge.trainer.loop.Logistic.softplus;

/**
 * Direct preference optimisation's loss on a batch of pairs (Rafailov et al. 2023, as TRL's {@code DPOTrainer}), a
 * plain function of sequence log-probabilities (each summed over the answer's tokens):
 * {@code h = (logpi(chosen) - logref(chosen)) - (logpi(rejected) - logref(rejected))};
 * {@code sigmoid}: {@code -(1 - eps) log sigmoid(beta h) - eps log sigmoid(-beta h)} (eps > 0: conservative DPO,
 * labels flipped with probability eps); {@code ipo}: {@code (h - 1 / (2 beta))^2} (Azar et al. 2023). The implicit
 * reward of an answer is {@code beta x (logpi - logref)}.
 */
public final class DpoLoss {
  public enum Type { SIGMOID, IPO }

  private DpoLoss() {}

  /**
   * Summed loss of a batch, its gradient with respect to each sequence log-probability under the policy, and TRL's
   * reward statistics (sums over the batch).
   *
   * @param correct pairs whose chosen answer has the higher implicit reward (ties count half)
   */
  public record Result(double loss, double[] dChosen, double[] dRejected, double correct, double chosenRewards,
      double rejectedRewards) {}

  public static Result of(double[] policyChosen, double[] policyRejected, double[] refChosen, double[] refRejected,
      double beta, double labelSmoothing, Type type) {
    int n = policyChosen.length;
    double[] dc = new double[n];
    double[] dr = new double[n];
    double loss = 0;
    double correct = 0;
    double chosen = 0;
    double rejected = 0;
    for (int i = 0; i < n; i++) {
      double rc = policyChosen[i] - refChosen[i];
      double rr = policyRejected[i] - refRejected[i];
      double h = rc - rr;
      double dh;
      if (type == Type.SIGMOID) {
        double z = beta * h;
        loss += (1 - labelSmoothing) * softplus(-z) + labelSmoothing * softplus(z);
        dh = beta * (-(1 - labelSmoothing) * sigmoid(-z) + labelSmoothing * sigmoid(z));
      } else {
        double d = h - 1 / (2 * beta);
        loss += d * d;
        dh = 2 * d;
      }
      dc[i] = dh;
      dr[i] = -dh;
      correct += rc > rr ? 1 : rc == rr ? 0.5 : 0;
      chosen += beta * rc;
      rejected += beta * rr;
    }
    return new Result(loss, dc, dr, correct, chosen, rejected);
  }
}
