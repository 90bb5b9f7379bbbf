package io.llmforge.dedup;

import java.util.Arrays;
import java.util.function.LongConsumer;

/**
 * Text to its set of shingles ({@link ShingleHasher}), each as a 64-bit hash, sorted and distinct: the exact
 * set that MinHash estimates. Used to verify candidates exactly and as the reference in evaluation. With 64-bit
 * hashes two different shingles of a corpus collide with negligible probability.
 *
 * <p>Thread-safe; make one per task and close it.
 */
public final class ShingleSets implements AutoCloseable {
  private final ShingleHasher shingles;

  public ShingleSets(int shingleSize) {
    this.shingles = new ShingleHasher(shingleSize);
  }

  /** Sorted, distinct shingle hashes; empty when the text has no words. */
  public long[] of(String text) {
    Collected hashes = new Collected();
    shingles.forEach(text, hashes);
    return hashes.sortedDistinct();
  }

  /** A growing array of the hashes handed to it. */
  private static final class Collected implements LongConsumer {
    private long[] hashes = new long[64];
    private int n;

    @Override
    public void accept(long hash) {
      if (n == hashes.length) {
        hashes = Arrays.copyOf(hashes, n * 2);
      }
      hashes[n++] = hash;
    }

    long[] sortedDistinct() {
      Arrays.sort(hashes, 0, n);
      int distinct = 0;
      for (int i = 0; i < n; i++) {
        if (distinct == 0 || hashes[i] != hashes[distinct - 1]) {
          hashes[distinct++] = hashes[i];
        }
      }
      return Arrays.copyOf(hashes, distinct);
    }
  }

  @Override
  public void close() {
    shingles.close();
  }
}
