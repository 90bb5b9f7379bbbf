package io.llmforge.dedup;

import java.io.Serializable;

/**
 * Locality-sensitive hashing by banding: a signature of {@code bands * rows} MinHash values is cut into
 * {@code bands} bands of {@code rows} consecutive values, and each band hashed to one 64-bit bucket key.
 * Two documents become a candidate pair when any band's key is equal, which happens with probability
 * {@code 1 - (1 - J^rows)^bands} for Jaccard similarity J: an S-curve whose steep part sits near
 * {@code (1/bands)^(1/rows)}.
 *
 * <p>The band number is mixed into the key, so equal values in different bands never collide: a key alone
 * identifies its bucket and the shuffle carries one long per band instead of a (band, key) pair.
 */
public record LshBands(int bands, int rows) implements Serializable {

  public LshBands {
    if (bands < 1 || rows < 1) {
      throw new IllegalArgumentException("bands and rows must be at least 1, got " + bands + " x " + rows);
    }
  }

  public int numHashes() {
    return bands * rows;
  }

  /** One bucket key per band; an empty signature (document without words) has none. */
  public long[] keys(long[] signature) {
    if (signature.length == 0) {
      return new long[0];
    }
    if (signature.length != numHashes()) {
      throw new IllegalArgumentException("signature has " + signature.length + " values, bands x rows = "
          + numHashes());
    }
    long[] keys = new long[bands];
    for (int band = 0; band < bands; band++) {
      keys[band] = Hash64.of(band + 1, signature, band * rows, rows);
    }
    return keys;
  }

  /** Probability that a pair with Jaccard similarity {@code j} shares at least one band. */
  public double candidateProbability(double j) {
    return 1.0 - Math.pow(1.0 - Math.pow(j, rows), bands);
  }

  /** The similarity where the S-curve is steepest, approximately: {@code (1/bands)^(1/rows)}. */
  public double steepestSimilarity() {
    return Math.pow(1.0 / bands, 1.0 / rows);
  }

  @Override
  public String toString() {
    return bands + "x" + rows;
  }
}
