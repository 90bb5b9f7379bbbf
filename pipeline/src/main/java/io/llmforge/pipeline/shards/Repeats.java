package io.llmforge.pipeline.shards;

/**
 * How many times a document goes into the token stream for its {@code sample_weight}: the integer part always,
 * the fractional part with that probability, decided by a stable hash of the document (so re-runs agree and the
 * expected count equals the weight). Weights are capped (DESIGN.md: at most 4 repeats); a missing or invalid
 * weight counts as 1, a weight of 0 drops the document.
 */
public final class Repeats {
  private Repeats() {}

  /**
   * @param weight  the document's sample weight, or null
   * @param cap     the most copies any document gets
   * @param uniform a stable draw in [0, 1) for this document
   */
  public static int copies(Double weight, int cap, double uniform) {
    double w = weight == null || weight.isNaN() || weight.isInfinite() ? 1.0 : Math.max(0.0, Math.min(cap, weight));
    int whole = (int) Math.floor(w);
    return whole + (uniform < w - whole ? 1 : 0);
  }
}
