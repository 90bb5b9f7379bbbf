package io.llmforge.dedup;

/** How an LSH candidate pair is confirmed as a near-duplicate. */
public enum VerifyMode {
  /** Exact Jaccard similarity of the two shingle sets, recomputed from the text of candidate documents only. */
  EXACT,
  /**
   * The MinHash estimate: the share of signature positions that agree. No second pass over the text, but the
   * estimate errs by about 0.04 with 120 values on web-page-sized documents (one-permutation hashing with
   * rotation is noisier than independent hashes), so pairs that close to the threshold are misjudged.
   */
  SIGNATURE,
  /** Every band collision is a duplicate (plain LSH, as many web-scale pipelines do). */
  NONE
}
