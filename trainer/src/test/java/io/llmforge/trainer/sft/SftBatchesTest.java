package io.llmforge.trainer.sft;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.llmforge.trainer.data.TokenBatches;
import io.llmforge.trainer.data.TokenRows;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

class SftBatchesTest {
  private static final int PAD = 5;

  /** Examples whose first token is 1000 + their index, so a batch says which examples it holds. */
  private static List<SftDataset.Example> examples(int n) {
    List<SftDataset.Example> out = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      int length = 3 + i % 4;
      int[] tokens = new int[length];
      byte[] mask = new byte[length];
      tokens[0] = 1000 + i;
      for (int k = 1; k < length; k++) {
        tokens[k] = 10 + k;
        mask[k] = 1;
      }
      out.add(new SftDataset.Example(tokens, mask));
    }
    return out;
  }

  private static List<Integer> ids(List<SftDataset.Example> batch) {
    return batch.stream().map(e -> e.tokens()[0] - 1000).toList();
  }

  private static SftDataset.Example example(int length) {
    return new SftDataset.Example(IntStream.range(0, length).map(i -> 100 + i).toArray(), new byte[length]);
  }

  @Test
  void rowsPadInputsAndTargetOnlyMaskedNextTokens() {
    // <eot> <user> q <end> <assistant> a1 a2 <end>: targets a1, a2, <end>.
    int[] tokens = {0, 1, 50, 4, 2, 60, 61, 4};
    byte[] mask = {0, 0, 0, 0, 0, 1, 1, 1};
    int[] shortTokens = {0, 2, 70};
    byte[] shortMask = {0, 0, 1};
    TokenRows rows = SftBatches.rows(List.of(new SftDataset.Example(tokens, mask),
        new SftDataset.Example(shortTokens, shortMask)), PAD, 256);

    assertEquals(2, rows.batch());
    assertEquals(32, rows.time(), "7 positions, rounded up to a multiple of 32");
    int[] in0 = new int[32];
    java.util.Arrays.fill(in0, PAD);
    System.arraycopy(tokens, 0, in0, 0, 7); // the last token is only ever a target
    assertArrayEquals(in0, rows.inputs()[0]);
    int[] out0 = new int[32];
    java.util.Arrays.fill(out0, -1);
    out0[4] = 60; // predicted after <assistant>
    out0[5] = 61;
    out0[6] = 4; // the closing <end>
    assertArrayEquals(out0, rows.targets()[0]);

    int[] in1 = new int[32];
    java.util.Arrays.fill(in1, PAD);
    in1[0] = 0;
    in1[1] = 2;
    assertArrayEquals(in1, rows.inputs()[1]);
    int[] out1 = new int[32];
    java.util.Arrays.fill(out1, -1);
    out1[1] = 70;
    assertArrayEquals(out1, rows.targets()[1]);
  }

  @Test
  void targetsFollowTheMaskEverywhere() {
    // An arbitrary mask pattern: target[i] is tokens[i+1] exactly where mask[i+1] is 1, else -1.
    int n = 50;
    int[] tokens = IntStream.range(0, n).map(i -> 7 + i).toArray();
    byte[] mask = new byte[n];
    for (int i = 1; i < n; i++) {
      mask[i] = (byte) (i % 3 == 0 || i > 40 ? 1 : 0);
    }
    TokenRows rows = SftBatches.rows(List.of(new SftDataset.Example(tokens, mask)), PAD, 128);
    assertEquals(64, rows.time());
    for (int i = 0; i < rows.time(); i++) {
      int expected = i + 1 < n && mask[i + 1] == 1 ? tokens[i + 1] : -1;
      assertEquals(expected, rows.targets()[0][i], "target " + i);
      assertEquals(i < n - 1 ? tokens[i] : PAD, rows.inputs()[0][i], "input " + i);
    }
  }

  @Test
  void timeIsRoundedUpToAMultipleOf32AndCappedAtTheBlockSize() {
    assertEquals(32, SftBatches.rows(List.of(example(2)), PAD, 512).time());
    assertEquals(32, SftBatches.rows(List.of(example(33)), PAD, 512).time());
    assertEquals(64, SftBatches.rows(List.of(example(34)), PAD, 512).time());
    assertEquals(64, SftBatches.rows(List.of(example(3), example(34)), PAD, 512).time(), "the longest decides");
    assertEquals(40, SftBatches.rows(List.of(example(34)), PAD, 40).time(), "capped at the block size");
    assertEquals(20, SftBatches.rows(List.of(example(5)), PAD, 20).time());
  }

  @Test
  void anExampleOfBlockSizePlusOneFitsOneMoreThrows() {
    TokenRows rows = SftBatches.rows(List.of(example(41)), PAD, 40);
    assertEquals(40, rows.time());
    assertEquals(100 + 39, rows.inputs()[0][39]);
    assertThrows(IllegalArgumentException.class, () -> SftBatches.rows(List.of(example(42)), PAD, 40));
  }

  @Test
  void ranksSplitEachGlobalBatchWithoutOverlap() {
    List<SftDataset.Example> data = examples(24);
    SftBatches rank0 = new SftBatches(data, 3, 0, 2, 11, TokenBatches.Cursor.START);
    SftBatches rank1 = new SftBatches(data, 3, 1, 2, 11, TokenBatches.Cursor.START);
    SftBatches global = new SftBatches(data, 6, 0, 1, 11, TokenBatches.Cursor.START);
    Set<Integer> epoch = new HashSet<>();
    for (int step = 0; step < 4; step++) { // 4 steps x 6 = one epoch
      List<Integer> a = ids(rank0.next());
      List<Integer> b = ids(rank1.next());
      assertEquals(3, a.size());
      assertEquals(3, b.size());
      // Rank 0 takes the first half of the global batch, rank 1 the second.
      List<Integer> both = new ArrayList<>(a);
      both.addAll(b);
      assertEquals(ids(global.next()), both, "step " + step);
      assertTrue(epoch.addAll(both) && epoch.size() == 6 * (step + 1), "overlap at step " + step);
      assertEquals(rank0.cursor(), rank1.cursor(), "both ranks move past the whole global batch");
    }
    assertEquals(24, epoch.size());
  }

  @Test
  void aStreamReopenedAtItsCursorContinuesIdentically() {
    // 7 examples, batches of 3: epochs end inside a batch, so the resumed stream must cross them the same way.
    List<SftDataset.Example> data = examples(7);
    for (int saved = 0; saved <= 6; saved++) {
      SftBatches original = new SftBatches(data, 3, 0, 1, 5, TokenBatches.Cursor.START);
      for (int i = 0; i < saved; i++) {
        original.next();
      }
      TokenBatches.Cursor cursor = original.cursor();
      SftBatches resumed = new SftBatches(data, 3, 0, 1, 5, cursor);
      assertEquals(cursor, resumed.cursor());
      for (int i = 0; i < 10; i++) {
        assertEquals(ids(original.next()), ids(resumed.next()), "saved after " + saved + ", batch " + i);
      }
      assertEquals(original.cursor(), resumed.cursor());
      assertEquals(original.epoch(), resumed.epoch());
    }
  }

  @Test
  void aCursorAtTheEndOfAnEpochResumesIntoTheNextOne() {
    List<SftDataset.Example> data = examples(6);
    SftBatches original = new SftBatches(data, 3, 0, 1, 9, TokenBatches.Cursor.START);
    original.next();
    original.next();
    TokenBatches.Cursor cursor = original.cursor();
    assertEquals(new TokenBatches.Cursor(0, 0, 6), cursor, "the wrap happens when the next batch is taken");
    SftBatches resumed = new SftBatches(data, 3, 0, 1, 9, cursor);
    assertEquals(ids(original.next()), ids(resumed.next()));
    assertEquals(1, resumed.epoch());
    assertThrows(IllegalArgumentException.class, () -> new SftBatches(data, 3, 0, 1, 9,
        new TokenBatches.Cursor(0, 0, 7)));
  }

  @Test
  void everyEpochIsAPermutationOfAllExamples() {
    int n = 20;
    SftBatches batches = new SftBatches(examples(n), 1, 0, 1, 3, TokenBatches.Cursor.START);
    List<List<Integer>> epochs = new ArrayList<>();
    for (int e = 0; e < 4; e++) {
      List<Integer> order = new ArrayList<>();
      for (int i = 0; i < n; i++) {
        order.addAll(ids(batches.next()));
        assertEquals(e, batches.epoch(), "epoch " + e + ", batch " + i);
      }
      assertEquals(IntStream.range(0, n).boxed().toList(), order.stream().sorted().toList(), "epoch " + e);
      epochs.add(order);
    }
    // Fresh seeded orders: epochs differ from each other and from file order (fixed seed: deterministic).
    assertNotEquals(epochs.get(0), epochs.get(1));
    assertNotEquals(IntStream.range(0, n).boxed().toList(), epochs.get(0));
    // The order is a function of (seed, epoch) only.
    assertArrayEquals(SftBatches.permutation(n, 3, 2), SftBatches.permutation(n, 3, 2));
    assertEquals(epochs.get(2), IntStream.of(SftBatches.permutation(n, 3, 2)).boxed().toList());
  }

  @Test
  void replayTargetsEveryTokenButTheFirst() {
    SftDataset.Example e = SftBatches.replay(new int[] {0, 9, 8, 7});
    assertArrayEquals(new byte[] {0, 1, 1, 1}, e.mask());
    assertEquals(3, e.targets());
    assertThrows(IllegalArgumentException.class, () -> new SftDataset.Example(new int[] {1}, new byte[] {0}));
    assertThrows(IllegalArgumentException.class, () -> new SftDataset.Example(new int[] {1, 2}, new byte[] {0}));
  }

  @Test
  void groupingByLengthKeepsEveryEpochAPermutationWithLessPaddingAndResumesExactly() {
    List<SftDataset.Example> data = examples(400);
    SftBatches grouped = new SftBatches(data, 4, 0, 1, 21, true, TokenBatches.Cursor.START);
    SftBatches plain = new SftBatches(data, 4, 0, 1, 21, false, TokenBatches.Cursor.START);
    java.util.Set<Integer> seen = new java.util.HashSet<>();
    int groupedSpread = 0;
    int plainSpread = 0;
    for (int b = 0; b < 100; b++) { // one epoch
      List<SftDataset.Example> g = grouped.next();
      g.forEach(e -> seen.add(e.tokens()[0]));
      groupedSpread += spread(g);
      plainSpread += spread(plain.next());
    }
    assertEquals(400, seen.size(), "every example once per epoch");
    assertTrue(groupedSpread * 4 < plainSpread, "grouped batches have similar lengths: total spread "
        + groupedSpread + " vs " + plainSpread);
    TokenBatches.Cursor cursor = grouped.cursor();
    SftBatches resumed = new SftBatches(data, 4, 0, 1, 21, true, cursor);
    for (int b = 0; b < 30; b++) {
      assertEquals(ids(grouped.next()), ids(resumed.next()), "batch " + b + " after the resume");
    }
  }

  private static int spread(List<SftDataset.Example> batch) {
    int min = Integer.MAX_VALUE;
    int max = 0;
    for (SftDataset.Example e : batch) {
      min = Math.min(min, e.tokens().length);
      max = Math.max(max, e.tokens().length);
    }
    return max - min;
  }
}
