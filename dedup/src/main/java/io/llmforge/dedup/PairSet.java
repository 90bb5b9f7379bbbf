package io.llmforge.dedup;

import java.util.Arrays;

/**
 * A set of unordered document pairs, each packed as {@code min << 32 | max} of two int indexes, with a
 * similarity per pair. Sorted, so membership is a binary search and sets intersect by merging.
 */
public final class PairSet {
  private final long[] keys;
  private final double[] similarity;

  private PairSet(long[] keys, double[] similarity) {
    this.keys = keys;
    this.similarity = similarity;
  }

  public static long key(long i, long j) {
    if (i == j || i < 0 || j < 0 || i > Integer.MAX_VALUE || j > Integer.MAX_VALUE) {
      throw new IllegalArgumentException("not a pair of distinct int indexes: " + i + ", " + j);
    }
    return Math.min(i, j) << 32 | Math.max(i, j);
  }

  public static int first(long key) {
    return (int) (key >>> 32);
  }

  public static int second(long key) {
    return (int) key;
  }

  /** From packed keys and their similarities (any order; a repeated key keeps its first similarity). */
  public static PairSet of(long[] keys, double[] similarity) {
    Integer[] order = new Integer[keys.length];
    for (int i = 0; i < order.length; i++) {
      order[i] = i;
    }
    Arrays.sort(order, (x, y) -> Long.compare(keys[x], keys[y]));
    long[] k = new long[keys.length];
    double[] s = new double[keys.length];
    int n = 0;
    for (int idx : order) {
      if (n == 0 || keys[idx] != k[n - 1]) {
        k[n] = keys[idx];
        s[n] = similarity[idx];
        n++;
      }
    }
    return new PairSet(Arrays.copyOf(k, n), Arrays.copyOf(s, n));
  }

  public int size() {
    return keys.length;
  }

  public long key(int index) {
    return keys[index];
  }

  public double similarity(int index) {
    return similarity[index];
  }

  public boolean contains(long key) {
    return Arrays.binarySearch(keys, key) >= 0;
  }

  /** How many pairs of this set are also in {@code other}. */
  public int intersectionSize(PairSet other) {
    int i = 0;
    int j = 0;
    int common = 0;
    while (i < keys.length && j < other.keys.length) {
      if (keys[i] < other.keys[j]) {
        i++;
      } else if (keys[i] > other.keys[j]) {
        j++;
      } else {
        common++;
        i++;
        j++;
      }
    }
    return common;
  }
}
