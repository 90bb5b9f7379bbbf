package io.llmforge.trainer.data;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import java.util.function.ToIntFunction;

/**
 * An endless stream of batches of in-memory examples (SFT conversations, preference pairs): every epoch visits all examples once in an order drawn from (seed, epoch), so a
 * stream reopened at a saved cursor ({@code Cursor(epoch, 0, index)}) returns exactly what the original would have.
 * Data parallelism as {@link TokenBatches}: each step takes {@code worldSize x batchSize} consecutive examples and
 * worker {@code rank} keeps its slice.
 */
public class EpochBatches<T> {
  /** Global batches sorted by length together when grouping by length. */
  static final int MEGA_BATCH = 50;

  private final List<T> examples;
  private final ToIntFunction<T> length;
  private final int batchSize;
  private final int rank;
  private final int worldSize;
  private final long seed;
  private final boolean groupByLength;
  private long epoch;
  private int index;
  private int[] order;

  /**
   * @param length        an example's length in tokens (for length grouping)
   * @param groupByLength batches of similar lengths (Hugging Face's {@code group_by_length}): less padding, so more
   *                      tokens per second, with the batch order still random
   */
  public EpochBatches(List<T> examples, ToIntFunction<T> length, int batchSize, int rank, int worldSize, long seed,
      boolean groupByLength, TokenBatches.Cursor start) {
    if (examples.isEmpty()) {
      throw new IllegalArgumentException("no examples to train on");
    }
    if (start.row() < 0 || start.row() > examples.size()) {
      throw new IllegalArgumentException("cursor " + start + " is outside the " + examples.size() + " examples");
    }
    this.examples = examples;
    this.length = length;
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
  public List<T> next() {
    List<T> mine = new ArrayList<>(batchSize);
    for (int i = 0; i < worldSize * batchSize; i++) {
      if (index == examples.size()) {
        epoch++;
        index = 0;
        order = epochOrder();
      }
      T e = examples.get(order[index++]);
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
      chunk.sort((a, b) -> Integer.compare(length.applyAsInt(examples.get(b)), length.applyAsInt(examples.get(a))));
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
  public static int[] permutation(int n, long seed, long epoch) {
    List<Integer> idx = new ArrayList<>(n);
    for (int i = 0; i < n; i++) {
      idx.add(i);
    }
    Collections.shuffle(idx, new Random(seed * 1_000_003L + epoch));
    return idx.stream().mapToInt(Integer::intValue).toArray();
  }
}
