package io.llmforge.pipeline.shards;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class PackingTest {
  @Test
  void packsDocumentsBackToBackIntoFullRows() {
    List<int[]> rows = new ArrayList<>();
    Packer packer = new Packer(4, rows::add);
    packer.add(new int[] {1, 2, 0});
    packer.add(new int[] {3, 0});
    packer.add(new int[] {4, 5, 6, 7, 8, 0});
    assertEquals(2, rows.size());
    assertArrayEquals(new int[] {1, 2, 0, 3}, rows.get(0));
    assertArrayEquals(new int[] {0, 4, 5, 6}, rows.get(1));
    assertEquals(3, packer.pendingTokens(), "7 8 0 wait for a row that never fills");
  }

  @Test
  void repeatsFollowTheWeightInExpectation() {
    assertEquals(1, Repeats.copies(null, 4, 0.99));
    assertEquals(1, Repeats.copies(Double.NaN, 4, 0.0));
    assertEquals(0, Repeats.copies(0.0, 4, 0.0));
    assertEquals(4, Repeats.copies(9.0, 4, 0.0), "capped");
    assertEquals(2, Repeats.copies(2.5, 4, 0.6));
    assertEquals(3, Repeats.copies(2.5, 4, 0.4));
    long total = 0;
    for (int i = 0; i < 10_000; i++) {
      total += Repeats.copies(1.3, 4, StableHash.unit(7, "repeat", "doc" + i));
    }
    assertEquals(13_000, total, 300);
  }

  @Test
  void stableHashDependsOnSeedPurposeAndKeyOnly() {
    assertEquals(StableHash.of(1, "split", "abc"), StableHash.of(1, "split", "abc"));
    assertNotEquals(StableHash.of(1, "split", "abc"), StableHash.of(2, "split", "abc"));
    assertNotEquals(StableHash.of(1, "split", "abc"), StableHash.of(1, "order", "abc"));
    assertNotEquals(StableHash.of(1, "ab", "c"), StableHash.of(1, "a", "bc"));
    // Pinned: a change of this function silently reshuffles every data set.
    assertEquals(8044382610421915238L, StableHash.of(1234, "split", "doc-1"));
  }

  @Test
  void partitionerKeepsSplitsApart() {
    ShardPartitioner p = new ShardPartitioner(3, 2);
    for (long i = 0; i < 1_000; i++) {
      long order = StableHash.of(1, "order", Long.toString(i));
      int train = p.getPartition(ShardPartitioner.key(false, order));
      int val = p.getPartition(ShardPartitioner.key(true, order));
      assertEquals(true, train >= 0 && train < 3);
      assertEquals(true, val >= 3 && val < 5);
    }
  }
}
