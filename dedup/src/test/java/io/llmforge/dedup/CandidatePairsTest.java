package io.llmforge.dedup;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.stream.LongStream;
import org.junit.jupiter.api.Test;

class CandidatePairsTest {
  @Test
  void smallBucketGivesAllPairs() {
    List<long[]> pairs = CandidatePairs.pairsOf(new long[] {30, 10, 20, 40}, 10);
    assertEquals(6, pairs.size());
    assertEquals(6, distinct(pairs).size());
    pairs.forEach(p -> assertTrue(p[0] < p[1]));
  }

  @Test
  void singletonBucketsGiveNothing() {
    long[][] rows = {{1, 5}, {2, 6}, {3, 7}};
    assertEquals(0, CandidatePairs.pairsOfSorted(rows, 10).size());
  }

  @Test
  void runsOfEqualKeysAreSeparateBuckets() {
    long[][] rows = {{1, 1}, {1, 2}, {2, 3}, {3, 1}, {3, 4}, {3, 5}};
    Set<String> pairs = distinct(CandidatePairs.pairsOfSorted(rows, 10));
    assertEquals(Set.of("1-2", "1-4", "1-5", "4-5"), pairs);
  }

  @Test
  void oversizedBucketIsCappedToStarPlusBlocks() {
    int cap = 10;
    long[] members = LongStream.range(100, 1100).toArray(); // 1000 members, 499500 pairs uncapped
    List<long[]> pairs = CandidatePairs.pairsOf(members, cap);
    assertEquals(CandidatePairs.pairCount(1000, cap), pairs.size());
    assertTrue(pairs.size() < 1000 * cap, "linear, not quadratic: " + pairs.size());
    Set<String> distinct = distinct(pairs);
    assertEquals(pairs.size(), distinct.size(), "no pair twice");
    for (long m = 101; m < 1100; m++) {
      assertTrue(distinct.contains("100-" + m), "every member is paired with the first one");
    }
    assertTrue(distinct.contains("150-151"), "members of one block are all paired");
    assertTrue(!distinct.contains("105-115"), "members of different blocks are not");
  }

  @Test
  void pairCountMatchesTheScanAtEverySize() {
    for (int n = 1; n <= 60; n++) {
      long[] members = LongStream.range(0, n).toArray();
      assertEquals(CandidatePairs.pairCount(n, 7), CandidatePairs.pairsOf(members, 7).size(), "n=" + n);
    }
  }

  @Test
  void repeatedNodeInABucketIsIgnored() {
    long[][] rows = {{1, 1}, {1, 1}, {1, 2}};
    assertEquals(Set.of("1-2"), distinct(CandidatePairs.pairsOfSorted(rows, 10)));
  }

  private static Set<String> distinct(List<long[]> pairs) {
    Set<String> set = new HashSet<>();
    pairs.forEach(p -> set.add(p[0] + "-" + p[1]));
    return set;
  }
}
