package io.llmforge.quality;

/** How classify-train evens out unequal class sizes in the training split. */
public enum Balance {
  /** Per-class example weights so both classes weigh the same in the loss; all data is used. */
  WEIGHT,
  /** Keep a hash-chosen share of the larger class so both have the same count. */
  DOWNSAMPLE,
  /** Train on the data as it is. */
  NONE
}
