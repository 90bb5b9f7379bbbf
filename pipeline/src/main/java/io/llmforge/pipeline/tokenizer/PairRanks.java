package io.llmforge.pipeline.tokenizer;

import java.io.Serializable;
import java.util.Arrays;

/**
 * Merge rank of a token pair, looked up on every encoding step: an open-addressing table from the pair (two ids
 * packed in a long) to its rank, so the hot loop neither boxes nor allocates.
 */
final class PairRanks implements Serializable {
  private static final long EMPTY = -1L;
  private final long[] keys;
  private final int[] ranks;
  private final int mask;

  PairRanks(int[] left, int[] right) {
    int capacity = Integer.highestOneBit(Math.max(4, left.length * 2 - 1)) << 1;
    keys = new long[capacity];
    ranks = new int[capacity];
    mask = capacity - 1;
    Arrays.fill(keys, EMPTY);
    for (int rank = 0; rank < left.length; rank++) {
      long key = pack(left[rank], right[rank]);
      int slot = slot(key);
      while (keys[slot] != EMPTY && keys[slot] != key) {
        slot = (slot + 1) & mask;
      }
      if (keys[slot] == EMPTY) { // a repeated pair keeps its first (lowest) rank, as in Hugging Face
        keys[slot] = key;
        ranks[slot] = rank;
      }
    }
  }

  static long pack(int left, int right) {
    return ((long) left << 32) | (right & 0xFFFFFFFFL);
  }

  /** The rank of the merge of {@code left} and {@code right}, or {@link Integer#MAX_VALUE} if they never merge. */
  int rank(int left, int right) {
    long key = pack(left, right);
    int slot = slot(key);
    while (true) {
      long k = keys[slot];
      if (k == key) {
        return ranks[slot];
      }
      if (k == EMPTY) {
        return Integer.MAX_VALUE;
      }
      slot = (slot + 1) & mask;
    }
  }

  private int slot(long key) {
    long h = key * 0x9E3779B97F4A7C15L;
    return (int) (h >>> 32) & mask;
  }
}
