package io.llmforge.pipeline.filter;

/**
 * A hash set of the word n-grams of one document, each n-gram represented by its start index, so no n-gram string
 * is ever built. What makes two n-grams equal is up to the {@link Keys}: the same word sequence, or (as datatrove's
 * duplicated n-gram rule compares them) the same characters once the words are concatenated. Open addressing with
 * linear probing. Used by {@link GopherRepetitionFilter}, where it keeps the rules linear in the number of words.
 * Not thread-safe: one instance per call.
 */
final class NGramTable {

  /** Hashing and equality of the n-grams starting at given word indices. */
  interface Keys {
    long hash(int start);

    boolean same(int a, int b);
  }

  private final Keys keys;
  private int[] starts; // start index + 1; 0 = empty slot
  private int[] counts;
  private long[] hashes;
  private int size;
  private int mask;

  NGramTable(Keys keys, int expected) {
    this.keys = keys;
    int capacity = Math.max(16, Integer.highestOneBit(Math.max(1, expected)) << 1);
    this.starts = new int[capacity];
    this.counts = new int[capacity];
    this.hashes = new long[capacity];
    this.mask = capacity - 1;
  }

  /** Adds one occurrence of the n-gram at {@code start}; returns its slot (stable until the next call). */
  int add(int start) {
    long hash = keys.hash(start);
    int slot = find(start, hash);
    if (starts[slot] == 0) {
      starts[slot] = start + 1;
      hashes[slot] = hash;
      size++;
      if (size * 2 > starts.length) {
        grow();
        slot = find(start, hash);
      }
    }
    counts[slot]++;
    return slot;
  }

  /** Whether the n-gram at {@code start} has been added before. */
  boolean contains(int start) {
    return starts[find(start, keys.hash(start))] != 0;
  }

  int count(int slot) {
    return counts[slot];
  }

  /** Start index of the first added occurrence of the n-gram in {@code slot}. */
  int firstStart(int slot) {
    return starts[slot] - 1;
  }

  private int find(int start, long hash) {
    int slot = spread(hash) & mask;
    while (starts[slot] != 0 && (hashes[slot] != hash || !keys.same(starts[slot] - 1, start))) {
      slot = (slot + 1) & mask;
    }
    return slot;
  }

  private static int spread(long h) {
    h ^= (h >>> 33);
    h *= 0xff51afd7ed558ccdL;
    h ^= (h >>> 33);
    return (int) h;
  }

  private void grow() {
    int[] oldStarts = starts;
    int[] oldCounts = counts;
    long[] oldHashes = hashes;
    starts = new int[oldStarts.length * 2];
    counts = new int[oldCounts.length * 2];
    hashes = new long[oldHashes.length * 2];
    mask = starts.length - 1;
    for (int i = 0; i < oldStarts.length; i++) {
      if (oldStarts[i] != 0) {
        int slot = spread(oldHashes[i]) & mask;
        while (starts[slot] != 0) {
          slot = (slot + 1) & mask;
        }
        starts[slot] = oldStarts[i];
        counts[slot] = oldCounts[i];
        hashes[slot] = oldHashes[i];
      }
    }
  }
}
