package io.llmforge.dedup;

import java.util.Arrays;
import java.util.stream.IntStream;

/**
 * The exact reference for evaluation: every pair of sets with Jaccard similarity at least {@code t}.
 *
 * <p>{@link #bruteForce} compares all n(n-1)/2 pairs (skipping those whose sizes alone rule them out), for
 * small corpora and to check the faster join. {@link #allPairs} gives the same result by prefix filtering
 * (Bayardo et al., "Scaling up all pairs similarity search", WWW 2007): with the tokens of every set in one
 * global order, two sets with J >= t must share a token among the first |x| - ceil(t|x|) + 1 of each. Rare
 * tokens first keeps the shared-prefix groups small; token frequency is estimated with a count-min sketch,
 * which changes only how fast the join is, never its result, as long as the order is the same for every set.
 * Every candidate is verified exactly, so the result is exact.
 */
public final class ExactJaccardJoin {
  private static final double EPS = 1e-9;

  private ExactJaccardJoin() {}

  /** All pairs with J >= t by comparing every pair; sets are sorted and distinct. */
  public static PairSet bruteForce(long[][] sets, double t) {
    long[][] found = IntStream.range(0, sets.length).parallel().mapToObj(i -> {
      LongList keys = new LongList();
      for (int j = i + 1; j < sets.length; j++) {
        if (sizesAllow(sets[i].length, sets[j].length, t)) {
          double jac = Jaccard.exact(sets[i], sets[j]);
          if (jac >= t) {
            keys.add(PairSet.key(i, j));
            keys.add(Double.doubleToLongBits(jac));
          }
        }
      }
      return keys.toArray();
    }).toArray(long[][]::new);
    return collect(found);
  }

  /** All pairs with J >= t by prefix filtering; the same result as {@link #bruteForce}, much faster. */
  public static PairSet allPairs(long[][] sets, double t) {
    int n = sets.length;
    CountMin counts = new CountMin(Math.max(1 << 16, Integer.highestOneBit(Math.max(1, totalSize(sets) / 2)) * 2));
    for (long[] set : sets) {
      for (long token : set) {
        counts.add(token);
      }
    }
    // Prefix entries packed as (token bits | doc): sorting them groups documents sharing a prefix token.
    int docBits = 64 - Long.numberOfLeadingZeros(Math.max(1, n - 1));
    long docMask = (1L << docBits) - 1;
    long[] entries = IntStream.range(0, n).parallel().mapToObj(d -> {
      long[] set = sets[d];
      int prefix = prefixLength(set.length, t);
      long[] ordered = orderRareFirst(set, counts);
      long[] out = new long[prefix];
      for (int k = 0; k < prefix; k++) {
        out[k] = (Hash64.fmix64(ordered[k]) & ~docMask) | d;
      }
      return out;
    }).flatMapToLong(Arrays::stream).toArray();
    Arrays.parallelSort(entries);

    // Candidate pairs from each group of equal token bits (a collision of truncated tokens only adds candidates).
    LongList candidates = new LongList();
    for (int start = 0; start < entries.length; ) {
      int end = start + 1;
      while (end < entries.length && (entries[end] & ~docMask) == (entries[start] & ~docMask)) {
        end++;
      }
      for (int x = start; x < end; x++) {
        int a = (int) (entries[x] & docMask);
        for (int y = x + 1; y < end; y++) {
          int b = (int) (entries[y] & docMask);
          if (a != b && sizesAllow(sets[a].length, sets[b].length, t)) {
            candidates.add(PairSet.key(a, b));
          }
        }
      }
      start = end;
    }
    long[] unique = Arrays.stream(candidates.toArray()).parallel().sorted().distinct().toArray();
    long[][] found = IntStream.range(0, (unique.length + 4095) / 4096).parallel().mapToObj(block -> {
      LongList keys = new LongList();
      for (int k = block * 4096; k < Math.min(unique.length, (block + 1) * 4096); k++) {
        double jac = Jaccard.exact(sets[PairSet.first(unique[k])], sets[PairSet.second(unique[k])]);
        if (jac >= t) {
          keys.add(unique[k]);
          keys.add(Double.doubleToLongBits(jac));
        }
      }
      return keys.toArray();
    }).toArray(long[][]::new);
    return collect(found);
  }

  /** Tokens a set must index so that any set with J >= t shares one of them: |x| - ceil(t|x|) + 1. */
  static int prefixLength(int size, double t) {
    if (size == 0) {
      return 0;
    }
    int needed = (int) Math.ceil(t * size - EPS);
    return Math.min(size, size - needed + 1);
  }

  /** J >= t is impossible when one set is smaller than t times the other. */
  static boolean sizesAllow(int x, int y, double t) {
    int small = Math.min(x, y);
    int large = Math.max(x, y);
    return large == 0 ? false : small >= t * large - EPS;
  }

  private static long[] orderRareFirst(long[] set, CountMin counts) {
    long[] packed = new long[set.length];
    Integer[] order = new Integer[set.length];
    int[] freq = new int[set.length];
    for (int k = 0; k < set.length; k++) {
      order[k] = k;
      freq[k] = counts.estimate(set[k]);
    }
    // Ties by token value: the order must be one global order, the same in every set.
    Arrays.sort(order, (x, y) -> freq[x] != freq[y] ? Integer.compare(freq[x], freq[y]) : Long.compare(set[x], set[y]));
    for (int k = 0; k < set.length; k++) {
      packed[k] = set[order[k]];
    }
    return packed;
  }

  private static int totalSize(long[][] sets) {
    long total = 0;
    for (long[] set : sets) {
      total += set.length;
    }
    return (int) Math.min(Integer.MAX_VALUE / 4, total);
  }

  private static PairSet collect(long[][] found) {
    int total = 0;
    for (long[] f : found) {
      total += f.length / 2;
    }
    long[] keys = new long[total];
    double[] sims = new double[total];
    int n = 0;
    for (long[] f : found) {
      for (int k = 0; k < f.length; k += 2) {
        keys[n] = f[k];
        sims[n] = Double.longBitsToDouble(f[k + 1]);
        n++;
      }
    }
    return PairSet.of(keys, sims);
  }

  /** A count-min sketch of token frequencies: overestimates only, exact for rare tokens in practice. */
  private static final class CountMin {
    private static final int DEPTH = 3;
    private final int[][] table;
    private final int mask;

    CountMin(int width) {
      this.table = new int[DEPTH][width];
      this.mask = width - 1;
    }

    void add(long token) {
      for (int row = 0; row < DEPTH; row++) {
        table[row][slot(token, row)]++;
      }
    }

    int estimate(long token) {
      int min = Integer.MAX_VALUE;
      for (int row = 0; row < DEPTH; row++) {
        min = Math.min(min, table[row][slot(token, row)]);
      }
      return min;
    }

    private int slot(long token, int row) {
      return (int) Hash64.fmix64(token + row * 0x9E3779B97F4A7C15L) & mask;
    }
  }

  /** A growable long array. */
  static final class LongList {
    private long[] values = new long[16];
    private int size;

    void add(long v) {
      if (size == values.length) {
        values = Arrays.copyOf(values, size * 2);
      }
      values[size++] = v;
    }

    long[] toArray() {
      return Arrays.copyOf(values, size);
    }
  }
}
