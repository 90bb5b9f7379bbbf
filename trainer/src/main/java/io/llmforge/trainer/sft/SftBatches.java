package io.llmforge.trainer.sft;

import io.llmforge.trainer.data.EpochBatches;
import io.llmforge.trainer.data.TokenBatches;
import io.llmforge.trainer.data.TokenRows;
import java.util.Arrays;
import java.util.List;

/** SFT's batches: {@link EpochBatches} of rendered conversations, and their padding into model rows. */
public final class SftBatches extends EpochBatches<SftDataset.Example> {
  /** Batches are padded to a multiple of this many positions, so the engine sees few distinct shapes. */
  public static final int PAD_MULTIPLE = 32;

  /** Examples in random order (no length grouping). */
  public SftBatches(List<SftDataset.Example> examples, int batchSize, int rank, int worldSize, long seed,
      TokenBatches.Cursor start) {
    this(examples, batchSize, rank, worldSize, seed, false, start);
  }

  public SftBatches(List<SftDataset.Example> examples, int batchSize, int rank, int worldSize, long seed,
      boolean groupByLength, TokenBatches.Cursor start) {
    super(examples, e -> e.tokens().length, batchSize, rank, worldSize, seed, groupByLength, start);
  }

  /**
   * The model's view of examples: inputs {@code tokens[0, T)} padded with {@code padId}, targets the next token
   * where the mask says so and -1 (no loss) elsewhere; T is the longest example minus one, rounded up to
   * {@link #PAD_MULTIPLE} and capped at {@code blockSize}.
   */
  public static TokenRows rows(List<SftDataset.Example> batch, int padId, int blockSize) {
    int longest = 0;
    for (SftDataset.Example e : batch) {
      if (e.tokens().length - 1 > blockSize) {
        throw new IllegalArgumentException("an example of " + e.tokens().length + " ids does not fit the block size "
            + blockSize + " (+1)");
      }
      longest = Math.max(longest, e.tokens().length - 1);
    }
    int t = Math.min(blockSize, (longest + PAD_MULTIPLE - 1) / PAD_MULTIPLE * PAD_MULTIPLE);
    int[][] inputs = new int[batch.size()][t];
    int[][] targets = new int[batch.size()][t];
    for (int b = 0; b < batch.size(); b++) {
      int[] ids = batch.get(b).tokens();
      byte[] mask = batch.get(b).mask();
      Arrays.fill(inputs[b], padId);
      Arrays.fill(targets[b], -1);
      System.arraycopy(ids, 0, inputs[b], 0, ids.length - 1);
      for (int i = 0; i + 1 < ids.length; i++) {
        if (mask[i + 1] == 1) {
          targets[b][i] = ids[i + 1];
        }
      }
    }
    return new TokenRows(inputs, targets);
  }

  /** A pretraining shard row as an example whose every token after the first is a target (replay). */
  public static SftDataset.Example replay(int[] row) {
    byte[] mask = new byte[row.length];
    Arrays.fill(mask, 1, row.length, (byte) 1);
    return new SftDataset.Example(row, mask);
  }
}
