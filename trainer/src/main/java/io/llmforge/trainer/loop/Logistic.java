package io.llmforge.trainer.loop;

/** The logistic function and its log, without overflow, for the pairwise losses (Bradley-Terry, DPO). */
public final class Logistic {
  private Logistic() {}

  public static double sigmoid(double x) {
    return x >= 0 ? 1 / (1 + Math.exp(-x)) : Math.exp(x) / (1 + Math.exp(x));
  }

  /** log(1 + e^x) = -log sigmoid(-x). */
  public static double softplus(double x) {
    return x > 0 ? x + Math.log1p(Math.exp(-x)) : Math.log1p(Math.exp(x));
  }
}
