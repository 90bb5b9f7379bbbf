package io.llmforge.dedup;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class MinHashSignaturesTest {
  private static final String TEXT = "The quick brown fox jumps over the lazy dog while the farmers repair the old "
      + "stone bridge near the river, because the winter floods destroyed the wooden one last year.";

  /** The fast path against a plain recomputation from the exact shingle set: per-bucket minima, then rotation. */
  @Test
  void signatureIsTheBucketMinimaOfTheExactShingleSet() {
    String shortText = "three short words";
    for (String text : List.of(TEXT, shortText, TEXT.repeat(20))) {
      for (int buckets : new int[] {1, 7, 64, 256}) {
        long[] set;
        try (ShingleSets sets = new ShingleSets(5)) {
          set = sets.of(text);
        }
        try (MinHashSignatures signatures = new MinHashSignatures(5, buckets)) {
          assertArrayEquals(referenceSignature(set, buckets), signatures.signature(text), text + ", " + buckets);
        }
      }
    }
  }

  @Test
  void bucketsSplitTheHashRangeEvenly() {
    int buckets = 10;
    int[] counts = new int[buckets];
    SplittableRandom random = new SplittableRandom(3);
    for (int i = 0; i < 100_000; i++) {
      counts[MinHashSignatures.bucket(random.nextLong(), buckets)]++;
    }
    for (int c : counts) {
      assertTrue(Math.abs(c - 10_000) < 500, "bucket count " + c);
    }
    assertEquals(0, MinHashSignatures.bucket(0L, buckets));
    assertEquals(buckets - 1, MinHashSignatures.bucket(-1L, buckets));
  }

  @Test
  void emptyAndShortTexts() {
    try (MinHashSignatures signatures = new MinHashSignatures(5, 32)) {
      assertSame(MinHashSignatures.EMPTY, signatures.signature(""));
      assertSame(MinHashSignatures.EMPTY, signatures.signature(" ... --- !!! "));
      long[] shortText = signatures.signature("three short words");
      assertEquals(32, shortText.length, "fewer words than the shingle size still give a signature");
      assertNotEquals(0, shortText[0]);
    }
  }

  @Test
  void caseAndPunctuationDoNotChangeTheSignature() {
    try (MinHashSignatures signatures = new MinHashSignatures(5, 64)) {
      assertArrayEquals(signatures.signature(TEXT), signatures.signature(TEXT.toUpperCase().replace(",", " ;")));
      assertArrayEquals(signatures.signature(TEXT), new MinHashSignatures(5, 64).signature(TEXT));
    }
  }

  /**
   * The estimate is unbiased and its error shrinks like sqrt(J(1-J)/k): checked on planted pairs of every
   * similarity, with a fixed seed. One-permutation hashing with rotation is slightly noisier than k independent
   * hashes for short documents, hence bounds a little wider than the binomial ones.
   */
  @Test
  void estimateTracksExactJaccard() {
    int k = 128;
    NearDuplicateCorpus corpus = NearDuplicateCorpus.of(TestCorpora.synthetic(300, 3),
        new NearDuplicateCorpus.Spec(3, 60, 200, 0.5, 0.3, 1.0, 5));
    double sumError = 0;
    double sumAbsError = 0;
    int beyond3Sigma = 0;
    int pairs = 0;
    try (MinHashSignatures signatures = new MinHashSignatures(5, k); ShingleSets sets = new ShingleSets(5)) {
      for (long i = 0; i < 1200 && pairs < 400; i++) {
        var base = corpus.baseOf(i);
        if (base.isEmpty()) {
          continue;
        }
        String a = corpus.text(base.get());
        String b = corpus.text(i);
        double exact = Jaccard.exact(sets.of(a), sets.of(b));
        double estimate = Jaccard.estimate(signatures.signature(a), signatures.signature(b));
        double sigma = Math.sqrt(exact * (1 - exact) / k);
        sumError += estimate - exact;
        sumAbsError += Math.abs(estimate - exact);
        if (Math.abs(estimate - exact) > 3 * sigma + 1e-9) {
          beyond3Sigma++;
        }
        pairs++;
      }
    }
    assertEquals(400, pairs);
    assertTrue(Math.abs(sumError / pairs) < 0.01, "bias " + sumError / pairs);
    assertTrue(sumAbsError / pairs < 0.04, "mean absolute error " + sumAbsError / pairs);
    assertTrue(beyond3Sigma <= pairs * 0.03, beyond3Sigma + " of " + pairs + " pairs beyond 3 sigma");
  }

  /** Minimum hash of each bucket; an empty bucket takes the next non-empty bucket's value, wrapping around. */
  private static long[] referenceSignature(long[] shingleSet, int buckets) {
    Long[] min = new Long[buckets];
    for (long h : shingleSet) {
      int b = MinHashSignatures.bucket(h, buckets);
      if (min[b] == null || h < min[b]) {
        min[b] = h;
      }
    }
    long[] signature = new long[buckets];
    for (int b = 0; b < buckets; b++) {
      int k = 0;
      while (min[(b + k) % buckets] == null) {
        k++;
      }
      signature[b] = min[(b + k) % buckets];
    }
    return signature;
  }
}
