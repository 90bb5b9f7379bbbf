package io.llmforge.quality;

/** How the classify job decides which scored documents to keep. */
public enum KeepMode {
  /** Keep documents whose quality_score is at least the threshold. */
  THRESHOLD,
  /** Keep the best-scoring fraction of the documents (cut-off found with approxQuantile). */
  TOP_FRACTION
}
