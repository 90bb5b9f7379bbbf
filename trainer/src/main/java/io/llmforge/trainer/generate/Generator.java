package io.llmforge.trainer.generate;

import io.llmforge.trainer.engine.GptEngine;
import io.llmforge.trainer.engine.KvCacheDecoder;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.function.IntConsumer;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Autoregressive generation with a {@link GptEngine}: sample the next id from the model's logits, append, repeat.
 * {@link #generate} keeps each row's keys and values in a {@link KvCacheDecoder}, so a new token costs one
 * position's work; {@link #generateRecompute} is nanoGPT's {@code generate} (a full forward pass over the context
 * for every token), the baseline the cached path is checked and benchmarked against.
 *
 * <p>Context window. The model sees at most blockSize tokens: a longer prompt is cropped to its last blockSize ids
 * (the output still starts with the whole prompt). When a row's cache is full and the sampled token must be fed, the
 * row is re-prefilled with the last {@code slideKeep} tokens of its sequence (the new one included) and grows from
 * there. With the default {@code slideKeep = blockSize} every token past the block size sees exactly the last
 * blockSize tokens, nanoGPT's cropping, so the cached and recomputed paths sample the same tokens (at the price of
 * one prompt-sized forward per token once past the block size); a smaller {@code slideKeep}, blockSize / 2 say,
 * re-prefills once every blockSize - slideKeep tokens instead, and each token then sees between slideKeep and
 * blockSize tokens of context.
 *
 * <p>One {@link Random} (seeded in the constructor) serves every call in turn, so a sequence of calls is
 * reproducible. In a batch, rows draw in row order at each step. The repetition penalty sees each row's whole
 * sequence so far (prompt and generated) and never touches the stop ids ({@link Sampler#sparing}). Not thread-safe.
 */
public final class Generator {
  private final GptEngine engine;
  private final Sampler sampler;
  private final Random random;
  private final int slideKeep;
  private KvCacheDecoder decoder; // created for the largest batch seen so far

  /** nanoGPT's window: every token sees at most the last blockSize tokens. */
  public Generator(GptEngine engine, Sampler sampler, long seed) {
    this(engine, sampler, seed, engine.config().blockSize());
  }

  /** @param slideKeep tokens a full row keeps when it slides, in [1, blockSize] (see the class comment) */
  public Generator(GptEngine engine, Sampler sampler, long seed, int slideKeep) {
    int t = engine.config().blockSize();
    if (slideKeep < 1 || slideKeep > t) {
      throw new IllegalArgumentException("slideKeep must be in [1, blockSize = " + t + "], got " + slideKeep);
    }
    this.engine = engine;
    this.sampler = sampler;
    this.random = new Random(seed);
    this.slideKeep = slideKeep;
  }

  /** Restarts the draws from {@code seed} (a trainer seeds each sampling round by its step, for exact resume). */
  public void reseed(long seed) {
    random.setSeed(seed);
  }

  /**
   * The prompt followed by up to {@code maxNewTokens} generated ids; generation stops after the first id in
   * {@code stopIds} (which is included; null or empty: no stop ids).
   */
  public int[] generate(int[] prompt, int maxNewTokens, Set<Integer> stopIds) {
    return generate(List.of(prompt), maxNewTokens, stopIds).get(0);
  }

  /** {@link #generate(int[], int, Set)}, handing each new id to {@code onToken} as soon as it is drawn (streaming). */
  public int[] generate(int[] prompt, int maxNewTokens, Set<Integer> stopIds, IntConsumer onToken) {
    return generate(List.of(prompt), maxNewTokens, stopIds, onToken).get(0);
  }

  /**
   * {@link #generate(int[], int, Set)} for several prompts at once (any lengths): one decoder step feeds every
   * unfinished row; each row stops on its own (stop id or {@code maxNewTokens}) and is no longer fed.
   */
  public List<int[]> generate(List<int[]> prompts, int maxNewTokens, Set<Integer> stopIds) {
    return generate(prompts, maxNewTokens, stopIds, null);
  }

  private List<int[]> generate(List<int[]> prompts, int maxNewTokens, Set<Integer> stopIds, IntConsumer onFirstRow) {
    check(prompts, maxNewTokens);
    Set<Integer> stops = stopIds == null ? Set.of() : stopIds;
    Sampler sampler = this.sampler.sparing(stops);
    int n = prompts.size();
    int t = engine.config().blockSize();
    Row[] rows = new Row[n];
    for (int r = 0; r < n; r++) {
      rows[r] = new Row(prompts.get(r), maxNewTokens);
    }
    if (maxNewTokens > 0) {
      KvCacheDecoder cache = decoder(n);
      cache.reset();
      for (int r = 0; r < n; r++) {
        rows[r].logits = cache.prefill(r, rows[r].lastTokens(t)).toDoubleVector();
      }
      int[] feedRows = new int[n];
      int[] feedTokens = new int[n];
      while (true) {
        int fed = 0;
        for (int r = 0; r < n; r++) {
          Row row = rows[r];
          if (row.done) {
            continue;
          }
          int next = sampler.sample(row.logits, row.ids, row.length, random);
          row.append(next);
          if (r == 0 && onFirstRow != null) {
            onFirstRow.accept(next);
          }
          if (stops.contains(next) || row.length - row.promptLength == maxNewTokens) {
            row.done = true;
          } else if (cache.length(r) == t) {
            row.logits = cache.prefill(r, row.lastTokens(slideKeep)).toDoubleVector(); // slide
          } else {
            feedRows[fed] = r;
            feedTokens[fed] = next;
            fed++;
          }
        }
        if (fed > 0) {
          double[][] logits = cache.step(Arrays.copyOf(feedRows, fed), Arrays.copyOf(feedTokens, fed))
              .toDoubleMatrix();
          for (int i = 0; i < fed; i++) {
            rows[feedRows[i]].logits = logits[i];
          }
        } else if (Arrays.stream(rows).allMatch(row -> row.done)) {
          break;
        }
      }
    }
    List<int[]> out = new ArrayList<>(n);
    for (Row row : rows) {
      out.add(Arrays.copyOf(row.ids, row.length));
    }
    return out;
  }

  /**
   * nanoGPT's {@code generate}: for every new token, a full forward pass over the last (at most) blockSize ids and
   * a sample from the last position's logits. No cache; the reference for {@link #generate}.
   */
  public int[] generateRecompute(int[] prompt, int maxNewTokens, Set<Integer> stopIds) {
    check(List.of(prompt), maxNewTokens);
    Set<Integer> stops = stopIds == null ? Set.of() : stopIds;
    Sampler sampler = this.sampler.sparing(stops);
    Row row = new Row(prompt, maxNewTokens);
    for (int i = 0; i < maxNewTokens; i++) {
      int[] context = row.lastTokens(engine.config().blockSize());
      INDArray logits = engine.forward(new int[][] {context}, null).logits(); // [T, V]
      int next = sampler.sample(logits.getRow(context.length - 1).toDoubleVector(), row.ids, row.length, random);
      row.append(next);
      if (stops.contains(next)) {
        break;
      }
    }
    return Arrays.copyOf(row.ids, row.length);
  }

  private KvCacheDecoder decoder(int rows) {
    if (decoder == null || decoder.maxBatch() < rows) {
      decoder = new KvCacheDecoder(engine, rows);
    }
    return decoder;
  }

  private static void check(List<int[]> prompts, int maxNewTokens) {
    if (prompts.isEmpty()) {
      throw new IllegalArgumentException("no prompts");
    }
    for (int[] p : prompts) {
      if (p == null || p.length == 0) {
        throw new IllegalArgumentException("every prompt needs at least one id (e.g. <|endoftext|>)");
      }
    }
    if (maxNewTokens < 0) {
      throw new IllegalArgumentException("maxNewTokens must be >= 0, got " + maxNewTokens);
    }
  }

  /** One sequence being generated: its ids so far and the logits of its next token. */
  private static final class Row {
    final int[] ids;
    final int promptLength;
    int length;
    double[] logits;
    boolean done;

    Row(int[] prompt, int maxNewTokens) {
      ids = Arrays.copyOf(prompt, prompt.length + maxNewTokens);
      promptLength = prompt.length;
      length = prompt.length;
    }

    void append(int id) {
      ids[length++] = id;
    }

    /** The last min(length, k) ids. */
    int[] lastTokens(int k) {
      return Arrays.copyOfRange(ids, Math.max(0, length - k), length);
    }
  }
}
