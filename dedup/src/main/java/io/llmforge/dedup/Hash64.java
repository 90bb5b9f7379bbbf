package io.llmforge.dedup;

/**
 * 64-bit hashing without allocation: of a char sequence (a shingle, read straight from Lucene's term
 * buffer) and of a band of MinHash values. Murmur3-style mixing; not cryptographic, well distributed.
 */
final class Hash64 {
  private static final long C1 = 0x87c37b91114253d5L;
  private static final long C2 = 0x4cf5ad432745937fL;

  private Hash64() {}

  /** Hash of {@code chars[0, length)}, four chars per 64-bit block. */
  static long of(char[] chars, int length) {
    long h = 0x9E3779B97F4A7C15L ^ length;
    int i = 0;
    for (; i + 4 <= length; i += 4) {
      long k = chars[i] | (long) chars[i + 1] << 16 | (long) chars[i + 2] << 32 | (long) chars[i + 3] << 48;
      h = Long.rotateLeft(h ^ scramble(k), 27) * 5 + 0x52dce729;
    }
    long k = 0;
    for (int shift = 0; i < length; i++, shift += 16) {
      k |= (long) chars[i] << shift;
    }
    return fmix64(h ^ scramble(k) ^ length);
  }

  /** Hash of {@code values[from, from + count)} salted with {@code seed} (the band number). */
  static long of(long seed, long[] values, int from, int count) {
    long h = fmix64(seed * C1 + C2);
    for (int i = from; i < from + count; i++) {
      h = Long.rotateLeft(h ^ scramble(values[i]), 27) * 5 + 0x52dce729;
    }
    return fmix64(h ^ count);
  }

  private static long scramble(long k) {
    return Long.rotateLeft(k * C1, 31) * C2;
  }

  static long fmix64(long k) {
    k ^= k >>> 33;
    k *= 0xff51afd7ed558ccdL;
    k ^= k >>> 33;
    k *= 0xc4ceb9fe1a85ec53L;
    k ^= k >>> 33;
    return k;
  }
}
