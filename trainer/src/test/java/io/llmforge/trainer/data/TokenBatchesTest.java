package io.llmforge.trainer.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.llmforge.pipeline.shards.ShardManifest;
import java.nio.file.Path;
import org.apache.hadoop.conf.Configuration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TokenBatchesTest {
  static final int SEQ = 4;
  static final int VOCAB = 97;
  final Configuration conf = new Configuration();

  @Test
  void readsRowsInOrderAcrossShardsAndWrapsIntoTheNextEpoch(@TempDir Path dir) throws Exception {
    ShardManifest manifest = TestShards.write(dir, SEQ, VOCAB, 3, 0, 4); // 7 train rows, one empty shard
    try (TokenBatches batches = new TokenBatches(conf, dir.toString(), manifest, ShardManifest.TRAIN, 2,
        TokenBatches.Cursor.START)) {
      assertEquals(SEQ + 1, batches.rowLength());
      int[] expected = {0, 1, 2, 3, 4, 5, 6, 0, 1, 2, 3, 4};
      for (int b = 0; b < 6; b++) {
        int[][] rows = batches.next();
        assertEquals(2, rows.length);
        assertEquals(SEQ + 1, rows[0].length);
        assertEquals(expected[2 * b], rows[0][0], "batch " + b);
        assertEquals(expected[2 * b + 1], rows[1][0], "batch " + b);
      }
      assertEquals(1, batches.cursor().epoch());
    }
  }

  @Test
  void resumingAtACursorContinuesExactly(@TempDir Path dir) throws Exception {
    ShardManifest manifest = TestShards.write(dir, SEQ, VOCAB, 3, 4);
    TokenBatches.Cursor saved;
    int[][][] expected = new int[4][][];
    try (TokenBatches batches = new TokenBatches(conf, dir.toString(), manifest, ShardManifest.TRAIN, 2,
        TokenBatches.Cursor.START)) {
      batches.next();
      batches.next();
      saved = batches.cursor();
      for (int i = 0; i < 4; i++) {
        expected[i] = batches.next();
      }
    }
    try (TokenBatches resumed = new TokenBatches(conf, dir.toString(), manifest, ShardManifest.TRAIN, 2, saved)) {
      for (int i = 0; i < 4; i++) {
        assertArrayEquals(expected[i], resumed.next(), "batch " + i + " after resume at " + saved);
      }
    }
  }

  @Test
  void workersSplitEachGlobalBatchAndKeepEqualCursors(@TempDir Path dir) throws Exception {
    ShardManifest manifest = TestShards.write(dir, SEQ, VOCAB, 5, 5);
    try (TokenBatches w0 = new TokenBatches(conf, dir.toString(), manifest, ShardManifest.TRAIN, 2, 0, 2,
        TokenBatches.Cursor.START);
        TokenBatches w1 = new TokenBatches(conf, dir.toString(), manifest, ShardManifest.TRAIN, 2, 1, 2,
            TokenBatches.Cursor.START)) {
      for (int step = 0; step < 3; step++) {
        int[][] a = w0.next();
        int[][] b = w1.next();
        int base = (4 * step) % 10;
        assertEquals(TestShards.firstId(base, VOCAB), a[0][0]);
        assertEquals(TestShards.firstId(base + 1, VOCAB), a[1][0]);
        assertEquals(TestShards.firstId((base + 2) % 10, VOCAB), b[0][0]);
        assertEquals(TestShards.firstId((base + 3) % 10, VOCAB), b[1][0]);
        assertEquals(w0.cursor(), w1.cursor());
      }
    }
  }

  @Test
  void validationSplitIsSeparate(@TempDir Path dir) throws Exception {
    ShardManifest manifest = TestShards.write(dir, SEQ, VOCAB, 2);
    try (TokenBatches val = new TokenBatches(conf, dir.toString(), manifest, ShardManifest.VAL, 3,
        TokenBatches.Cursor.START)) {
      assertEquals(1000 % VOCAB, val.next()[0][0]);
    }
  }
}
