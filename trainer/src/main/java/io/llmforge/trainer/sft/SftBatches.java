package io.llmforge.trainer.sft;

import io.llmforge.trainer.data.TokenBatches;
import io.llmforge.trainer.data.TokenRows;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Random;

/**
 * An endless stream of SFT batches: every epoch visits all examples once in an order drawn from (seed, epoch), so a
 * stream reopened at a saved cursor ({@code Cursor(epoch, 0, index)}) returns exactly what the original would have.
 * Data parallelism as {@link TokenBatches}: each step takes {@code worldSize x batchSize} consecutive examples and
 * worker {@code rank} keeps its slice.
 */
public final class SftBatches {
  /** Batches are padded to a multiple of this many positions, so the engine sees few distinct shapes. */
  static final int PAD_MULTIPLE = 32;
  /** Global batches sorted by length together when grouping by length. */
  static final int MEGA_BATCH = 50;

  private final List<SftDataset.Example> examples;
  private final int batchSize;
  private final int rank;
  private final int worldSize;
  private final long seed;
  private final boolean groupByLength;
  private long epoch;
  private int index;
  private int[] order;

  /** Examples in random order (no length grouping). */
  public SftBatches(List<SftDataset.Example> examples, int batchSize, int rank, int worldSize, long seed,
      TokenBatches.Cursor start) {
    this(examples, batchSize, rank, worldSize, seed, false, start);
  }

  /**
   * @param groupByLength batches of similar lengths (Hugging Face's {@code group_by_length}): less padding, so more
   *                      tokens per second, with the batch order still random
   */
  public SftBatches(List<SftDataset.Example> examples, int batchSize, int rank, int worldSize, long seed,
      boolean groupByLength, TokenBatches.Cursor start) {
    if (examples.isEmpty()) {
      throw new IllegalArgumentException("no SFT examples to train on");
    }
    if (start.row() < 0 || start.row() > examples.size()) {
      throw new IllegalArgumentException("cursor " + start + " is outside the " + examples.size() + " examples");
    }
    this.examples = examples;
    this.batchSize = batchSize;
    this.rank = rank;
    this.worldSize = worldSize;
    this.seed = seed;
    this.groupByLength = groupByLength;
    this.epoch = start.epoch();
    this.index = (int) start.row();
    this.order = epochOrder();
  }

  /** Where the next batch starts. */
  public TokenBatches.Cursor cursor() {
    return new TokenBatches.Cursor(epoch, 0, index);
  }

  public long epoch() {
    return epoch;
  }

  /** This worker's next {@code batchSize} examples; the cursor moves past the whole global batch. */
  public List<SftDataset.Example> next() {
    List<SftDataset.Example> mine = new ArrayList<>(batchSize);
    for (int i = 0; i < worldSize * batchSize; i++) {
      if (index == examples.size()) {
        epoch++;
        index = 0;
        order = epochOrder();
      }
      SftDataset.Example e = examples.get(order[index++]);
      if (i / batchSize == rank) {
        mine.add(e);
      }
    }
    return mine;
  }

  /**
   * The order of the current epoch: a seeded permutation; with length grouping, every run of
   * {@link #MEGA_BATCH} global batches of it is sorted by length, cut into global batches, and those are shuffled
   * (the megabatch scheme of Hugging Face's {@code LengthGroupedSampler}).
   */
  private int[] epochOrder() {
    int[] perm = permutation(examples.size(), seed, epoch);
    if (!groupByLength) {
      return perm;
    }
    int global = batchSize * worldSize;
    int mega = global * MEGA_BATCH;
    Random random = new Random(seed * 1_000_003L + epoch + 0x9E3779B9L);
    List<Integer> out = new ArrayList<>(perm.length);
    for (int from = 0; from < perm.length; from += mega) {
      List<Integer> chunk = new ArrayList<>();
      for (int i = from; i < Math.min(perm.length, from + mega); i++) {
        chunk.add(perm[i]);
      }
      chunk.sort((a, b) -> Integer.compare(examples.get(b).tokens().length, examples.get(a).tokens().length));
      List<List<Integer>> batches = new ArrayList<>();
      for (int i = 0; i < chunk.size(); i += global) {
        batches.add(chunk.subList(i, Math.min(chunk.size(), i + global)));
      }
      Collections.shuffle(batches, random);
      batches.forEach(out::addAll);
    }
    return out.stream().mapToInt(Integer::intValue).toArray();
  }

  /** The order of one epoch: a shuffle seeded by (seed, epoch); java.util.Random is the same on every JVM. */
  static int[] permutation(int n, long seed, long epoch) {
    List<Integer> idx = new ArrayList<>(n);
    for (int i = 0; i < n; i++) {
      idx.add(i);
    }
    Collections.shuffle(idx, new Random(seed * 1_000_003L + epoch));
    return idx.stream().mapToInt(Integer::intValue).toArray();
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
