package io.llmforge.dedup;

import java.util.function.LongConsumer;

/**
 * Text to MinHash signature: {@code numHashes} longs, position i holding the minimum shingle hash of bucket i.
 * Two documents' signatures agree at a position with probability close to the Jaccard similarity of their
 * shingle sets ({@link ShingleHasher}, the same sets {@link ShingleSets} lists).
 *
 * <p>One-permutation hashing: one 64-bit hash per shingle, its top 32 bits choose one of {@code numHashes}
 * equal buckets over the hash range, each bucket keeps its minimum. An empty bucket (short documents) takes the
 * value of the next non-empty one, circularly ("rotation", Shrivastava and Li 2014): a value determines its
 * bucket, so two documents still agree at a rotated position only when they share that minimum. A non-empty
 * document always has exactly {@code numHashes} values. The cost is one hash and one compare per shingle, not
 * one per shingle and MinHash value, and nothing is allocated per shingle.
 *
 * <p>Thread-safe; each instance holds a Lucene analyzer: make one per task and close it.
 */
public final class MinHashSignatures implements AutoCloseable {
  /** The signature of a document without a single word (empty or punctuation only). */
  public static final long[] EMPTY = new long[0];

  private final int numHashes;
  private final ShingleHasher shingles;

  public MinHashSignatures(int shingleSize, int numHashes) {
    if (numHashes < 1) {
      throw new IllegalArgumentException("numHashes must be at least 1, got " + numHashes);
    }
    this.numHashes = numHashes;
    this.shingles = new ShingleHasher(shingleSize);
  }

  public int numHashes() {
    return numHashes;
  }

  /** The signature of {@code text}: {@link #numHashes()} values, or {@link #EMPTY} when it has no words. */
  public long[] signature(String text) {
    Minima minima = new Minima(numHashes);
    shingles.forEach(text, minima);
    return minima.signature();
  }

  /** The bucket of a shingle hash: its top 32 bits scaled to [0, buckets). */
  static int bucket(long hash, int buckets) {
    return (int) (((hash >>> 32) * buckets) >>> 32);
  }

  /** Each bucket's minimum over the shingle hashes it is handed. */
  private static final class Minima implements LongConsumer {
    private final long[] min;
    private final boolean[] filled;
    private int nonEmpty;

    Minima(int buckets) {
      min = new long[buckets];
      filled = new boolean[buckets];
    }

    @Override
    public void accept(long hash) {
      int bucket = bucket(hash, min.length);
      if (!filled[bucket]) {
        filled[bucket] = true;
        min[bucket] = hash;
        nonEmpty++;
      } else if (hash < min[bucket]) {
        min[bucket] = hash;
      }
    }

    long[] signature() {
      if (nonEmpty == 0) {
        return EMPTY;
      }
      if (nonEmpty < min.length) {
        rotate();
      }
      return min;
    }

    /** Fills each empty bucket with the value of the next non-empty one, wrapping around. */
    private void rotate() {
      int first = 0;
      while (!filled[first]) {
        first++;
      }
      long next = min[first]; // what the empty buckets after the last non-empty one wrap to
      for (int i = min.length - 1; i >= 0; i--) {
        if (filled[i]) {
          next = min[i];
        } else {
          min[i] = next;
        }
      }
    }
  }

  @Override
  public void close() {
    shingles.close();
  }
}
