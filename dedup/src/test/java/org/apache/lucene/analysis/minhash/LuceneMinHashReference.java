package org.apache.lucene.analysis.minhash;

import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * Test-only: recomputes what {@link MinHashFilter} (hashCount 1, hashSetSize 1, with rotation) keeps per bucket,
 * from Lucene's own package-private murmur3, so that a test can check llmforge's decoding of the filter's tokens
 * against values that never went through a token. Lives in Lucene's package only to reach that hash function.
 */
public final class LuceneMinHashReference {
  private LuceneMinHashReference() {}

  /** {high, low} 128-bit minimum of each bucket, empty buckets filled from the next non-empty one. */
  public static long[][] minima(List<String> shingles, int buckets) {
    MinHashFilter.LongPair salt = new MinHashFilter.LongPair();
    MinHashFilter.murmurhash3_x64_128(MinHashFilter.getBytes(0), 0, 4, 0, salt);
    long bucketSize = (1L << 32) / buckets + ((1L << 32) % buckets != 0 ? 1 : 0);
    long[][] min = new long[buckets][];
    for (String shingle : shingles) {
      byte[] bytes = shingle.getBytes(StandardCharsets.UTF_16LE);
      MinHashFilter.LongPair h = new MinHashFilter.LongPair();
      MinHashFilter.murmurhash3_x64_128(bytes, 0, bytes.length, 0, h);
      long high = h.val2 * 37 + salt.val2; // combineOrdered(hash, intHash(0)), starting from 0
      long low = h.val1 * 37 + salt.val1;
      int bucket = (int) ((high >>> 32) / bucketSize);
      if (min[bucket] == null || lessUnsigned(high, low, min[bucket][0], min[bucket][1])) {
        min[bucket] = new long[] {high, low};
      }
    }
    long[][] filled = new long[buckets][];
    for (int b = 0; b < buckets; b++) {
      for (int k = 0; k < buckets && filled[b] == null; k++) {
        filled[b] = min[(b + k) % buckets];
      }
    }
    return filled;
  }

  private static boolean lessUnsigned(long high, long low, long otherHigh, long otherLow) {
    int c = Long.compareUnsigned(high, otherHigh);
    return c < 0 || (c == 0 && Long.compareUnsigned(low, otherLow) < 0);
  }
}
