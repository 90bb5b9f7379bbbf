package io.llmforge.trainer.reward;

import static io.llmforge.trainer.loop.Logistic.sigmoid;
import static io.llmforge.trainer.loop.Logistic.softplus;

/**
 * The pairwise loss of a reward model (Bradley-Terry, as InstructGPT and TRL's {@code RewardTrainer}):
 * {@code -log sigmoid(r_chosen - r_rejected - margin)} per pair, with Llama 2's optional per-pair margin, plus
 * {@code centring x (r_chosen + r_rejected)^2} (TRL's {@code center_rewards_coefficient}), which pins the rewards'
 * mean near zero (the loss alone cannot see a shift). A plain function of the rewards, tested against finite
 * differences.
 */
public final class BradleyTerry {
  private BradleyTerry() {}

  /**
   * Summed loss of a batch and its gradients.
   *
   * @param dChosen   dL/dr_chosen per pair (of the summed loss)
   * @param correct   pairs with r_chosen > r_rejected
   * @param marginSum sum of r_chosen - r_rejected
   */
  public record Result(double loss, double[] dChosen, double[] dRejected, int correct, double marginSum,
      double chosenSum, double rejectedSum) {}

  public static Result of(double[] chosen, double[] rejected, double[] margins, double centring) {
    int n = chosen.length;
    double[] dc = new double[n];
    double[] dr = new double[n];
    double loss = 0;
    int correct = 0;
    double marginSum = 0;
    double chosenSum = 0;
    double rejectedSum = 0;
    for (int i = 0; i < n; i++) {
      double delta = chosen[i] - rejected[i];
      double z = delta - (margins == null ? 0 : margins[i]);
      loss += softplus(-z);
      double g = -sigmoid(-z);       // d(-log sigmoid(z))/dz
      double centre = chosen[i] + rejected[i];
      loss += centring * centre * centre;
      dc[i] = g + 2 * centring * centre;
      dr[i] = -g + 2 * centring * centre;
      correct += delta > 0 ? 1 : 0;
      marginSum += delta;
      chosenSum += chosen[i];
      rejectedSum += rejected[i];
    }
    return new Result(loss, dc, dr, correct, marginSum, chosenSum, rejectedSum);
  }
}
