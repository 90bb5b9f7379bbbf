package io.llmforge.trainer.judge;

/**
 * A pair judged in both orders: first with answer a shown as A and b as B, then swapped. LLM judges prefer a position
 * (Zheng et al. 2023 measure it for GPT-4 too), so a preference is kept only when both orders name the same answer;
 * otherwise the pair is a reject with the first reason that applies, in this order: a request that failed for good,
 * a reply that says no A or B, a tie, the two orders disagreeing.
 *
 * @param chosen 0 when answer a won, 1 when b did, -1 for a reject
 * @param reason null when kept, else one of the reasons below
 */
public record PairJudgement(int chosen, String reason) {
  public static final String FAILED_REQUEST = "failed_request";
  public static final String UNPARSEABLE = "unparseable";
  public static final String TIE = "tie";
  public static final String DISAGREEMENT = "disagreement";

  /**
   * @param inOrder verdict with a shown as A
   * @param swapped verdict with b shown as A
   */
  public static PairJudgement of(Verdict inOrder, Verdict swapped) {
    if (inOrder == Verdict.FAILED || swapped == Verdict.FAILED) {
      return new PairJudgement(-1, FAILED_REQUEST);
    }
    if (inOrder == Verdict.UNPARSEABLE || swapped == Verdict.UNPARSEABLE) {
      return new PairJudgement(-1, UNPARSEABLE);
    }
    if (inOrder == Verdict.TIE || swapped == Verdict.TIE) {
      return new PairJudgement(-1, TIE);
    }
    int first = inOrder == Verdict.A ? 0 : 1;
    int second = swapped == Verdict.A ? 1 : 0; // swapped: A is answer b
    return first == second ? new PairJudgement(first, null) : new PairJudgement(-1, DISAGREEMENT);
  }

  public boolean kept() {
    return reason == null;
  }
}
