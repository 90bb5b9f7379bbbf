package io.llmforge.quality;

/** How classify-train chooses among several model variants; the reported test metrics never see the choice. */
public enum VariantSelection {
  /**
   * K folds of the training rows by split key: every training example is scored once by a model that did not see
   * its fold, and the variant with the best pooled out-of-fold ROC-AUC wins; the chosen model then learns from all
   * training rows. Costs variants x (folds + 1) fits, and chooses on every training example instead of a sample.
   */
  CROSS_VALIDATION,
  /** The best ROC-AUC on the validation split ({@code validation-fraction} of the split keys, kept out of training). */
  VALIDATION
}
