package io.llmforge.dedup;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class ExactJaccardJoinTest {
  @Test
  void prefixFilterJoinEqualsBruteForce() {
    SplittableRandom random = new SplittableRandom(17);
    long[][] sets = new long[1500][];
    for (int i = 0; i < sets.length; i++) {
      if (i > 0 && random.nextInt(3) == 0) {
        sets[i] = mutate(sets[random.nextInt(i)], random); // a near-duplicate of an earlier set
      } else {
        // Tokens from a small, skewed vocabulary, so that frequent tokens exist as in text.
        sets[i] = random.longs(random.nextInt(5, 80), 0, 5000).map(x -> x * x / 5000).sorted().distinct().toArray();
      }
    }
    for (double t : new double[] {0.5, 0.8, 0.95}) {
      PairSet brute = ExactJaccardJoin.bruteForce(sets, t);
      PairSet fast = ExactJaccardJoin.allPairs(sets, t);
      assertTrue(brute.size() > 20, "the test needs pairs above " + t);
      assertEquals(brute.size(), fast.size(), "t=" + t);
      assertEquals(brute.size(), brute.intersectionSize(fast), "t=" + t);
      for (int k = 0; k < brute.size(); k++) {
        assertTrue(brute.similarity(k) >= t);
      }
    }
  }

  @Test
  void prefixLengthAndSizeFilter() {
    assertEquals(21, ExactJaccardJoin.prefixLength(100, 0.8)); // 100 - 80 + 1
    assertEquals(1, ExactJaccardJoin.prefixLength(10, 1.0));
    assertEquals(0, ExactJaccardJoin.prefixLength(0, 0.8));
    assertTrue(ExactJaccardJoin.sizesAllow(80, 100, 0.8));
    assertFalse(ExactJaccardJoin.sizesAllow(79, 100, 0.8));
  }

  private static long[] mutate(long[] set, SplittableRandom random) {
    long[] copy = set.clone();
    for (int k = 0; k < random.nextInt(0, Math.max(1, copy.length / 4)); k++) {
      copy[random.nextInt(copy.length)] = 10_000 + random.nextInt(100_000);
    }
    return Arrays.stream(copy).sorted().distinct().toArray();
  }
}
