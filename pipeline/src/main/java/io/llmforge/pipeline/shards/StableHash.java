package io.llmforge.pipeline.shards;

/**
 * A 64-bit hash that is the same on every JVM, machine and run (unlike {@code String.hashCode} mixed by Spark's
 * partitioners, or anything random): train/val membership, repeat rounding and shuffle order are functions of
 * (seed, purpose, document id) only, so re-running the job on the same input gives the same shards.
 */
public final class StableHash {
  private StableHash() {}

  /** FNV-1a over the UTF-16 code units, seeded, finished with SplitMix64's mixer. */
  public static long of(long seed, String purpose, String key) {
    long h = 0xcbf29ce484222325L ^ mix(seed);
    h = feed(h, purpose);
    h = (h ^ 0xFFFF) * 0x100000001b3L; // separator no UTF-16 code unit sequence can forge
    h = feed(h, key);
    return mix(h);
  }

  /** Uniform in [0, 1). */
  public static double unit(long seed, String purpose, String key) {
    return (of(seed, purpose, key) >>> 11) * 0x1.0p-53;
  }

  private static long feed(long h, String s) {
    for (int i = 0; i < s.length(); i++) {
      h = (h ^ s.charAt(i)) * 0x100000001b3L;
    }
    return h;
  }

  static long mix(long z) {
    z = (z ^ (z >>> 30)) * 0xbf58476d1ce4e5b9L;
    z = (z ^ (z >>> 27)) * 0x94d049bb133111ebL;
    return z ^ (z >>> 31);
  }
}
