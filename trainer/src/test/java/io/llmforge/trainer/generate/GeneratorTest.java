package io.llmforge.trainer.generate;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.llmforge.trainer.engine.GptConfig;
import io.llmforge.trainer.engine.GptEngine;
import io.llmforge.trainer.engine.LoraSettings;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Cached generation against the recompute baseline (nanoGPT's generate) on random models in double, where the two
 * paths' logits agree to ~1e-15 and so pick the same tokens: greedily and sampling with the same seed, for prompts
 * shorter and longer than the block size and for generations past it.
 */
class GeneratorTest {
  static final GptConfig TINY = new GptConfig(13, 8, 2, 2, 16, 0.0, 7);
  static final GptConfig BLOCK16 = new GptConfig(13, 16, 2, 2, 16, 0.0, 8);

  /** A model in double with its weights moved away from the initialisation (larger logits, fewer near-ties). */
  static GptEngine engine(GptConfig config, long seed) {
    GptEngine engine = new GptEngine(config, DataType.DOUBLE, LoraSettings.NONE, n -> true);
    Random r = new Random(seed);
    for (String name : engine.parameters().names()) {
      INDArray v = engine.parameters().value(name);
      double[] noise = new double[(int) v.length()];
      for (int i = 0; i < noise.length; i++) {
        noise[i] = r.nextGaussian() * 0.3;
      }
      v.addi(Nd4j.create(noise, v.shape(), DataType.DOUBLE));
    }
    return engine;
  }

  static int[] prompt(int length, long seed) {
    Random r = new Random(seed);
    int[] ids = new int[length];
    for (int i = 0; i < length; i++) {
      ids[i] = r.nextInt(13);
    }
    return ids;
  }

  @Test
  void greedyWithTheCacheEqualsRecomputeIncludingPastTheBlockSize() {
    for (GptConfig config : new GptConfig[] {TINY, BLOCK16}) {
      GptEngine engine = engine(config, 1);
      Generator generator = new Generator(engine, Sampler.greedy(), 1);
      int t = config.blockSize();
      for (int promptLength : new int[] {1, 3, t, t + 5}) {
        int[] p = prompt(promptLength, promptLength);
        int[] cached = generator.generate(p, 3 * t, Set.of());
        int[] recomputed = generator.generateRecompute(p, 3 * t, Set.of());
        assertEquals(promptLength + 3 * t, cached.length);
        assertArrayEquals(recomputed, cached, "block " + t + ", prompt of " + promptLength);
        assertArrayEquals(p, Arrays.copyOf(cached, promptLength), "the output starts with the whole prompt");
      }
    }
  }

  @Test
  void samplingWithTheSameSeedEqualsRecompute() {
    GptEngine engine = engine(TINY, 2);
    Sampler sampler = new Sampler(1.0, 8, 0.95, 1.3, Map.of(4, 1.5, 9, -100.0));
    int[] p = prompt(3, 5);
    int[] cached = new Generator(engine, sampler, 77).generate(p, 20, Set.of());
    int[] recomputed = new Generator(engine, sampler, 77).generateRecompute(p, 20, Set.of());
    assertArrayEquals(recomputed, cached);
    for (int i = p.length; i < cached.length; i++) {
      assertNotEquals(9, cached[i], "a -100 bias bans the token");
    }
  }

  @Test
  void aBatchEqualsEachPromptAlone() {
    GptEngine engine = engine(TINY, 3);
    List<int[]> prompts = List.of(prompt(2, 11), prompt(6, 12), prompt(11, 13), prompt(1, 14));
    List<int[]> batched = new Generator(engine, Sampler.greedy(), 1).generate(prompts, 14, Set.of());
    Generator alone = new Generator(engine, Sampler.greedy(), 1);
    for (int r = 0; r < prompts.size(); r++) {
      assertArrayEquals(alone.generate(prompts.get(r), 14, Set.of()), batched.get(r), "row " + r);
      assertArrayEquals(alone.generateRecompute(prompts.get(r), 14, Set.of()), batched.get(r), "row " + r);
    }
  }

  /** Each row stops after its first stop id (kept in the output), the others carry on. */
  @Test
  void stopIdsStopEachRowOnItsOwn() {
    GptEngine engine = engine(TINY, 4);
    List<int[]> prompts = List.of(prompt(2, 21), prompt(5, 22), prompt(3, 23));
    int maxNew = 12;
    List<int[]> free = new Generator(engine, Sampler.greedy(), 1).generate(prompts, maxNew, null);
    // stop on the first generated id of row 0
    int stop = free.get(0)[prompts.get(0).length];
    List<int[]> stopped = new Generator(engine, Sampler.greedy(), 1).generate(prompts, maxNew, Set.of(stop));
    boolean someRowRanToTheEnd = false;
    for (int r = 0; r < prompts.size(); r++) {
      int[] full = free.get(r);
      int promptLength = prompts.get(r).length;
      int end = full.length;
      for (int i = promptLength; i < full.length; i++) {
        if (full[i] == stop) {
          end = i + 1;
          break;
        }
      }
      assertArrayEquals(Arrays.copyOf(full, end), stopped.get(r), "row " + r);
      someRowRanToTheEnd |= end == full.length && full[end - 1] != stop;
    }
    assertEquals(prompts.get(0).length + 1, stopped.get(0).length, "row 0 stops at once, with its stop id");
    assertTrue(someRowRanToTheEnd, "the other rows carry on: one of them runs to maxNewTokens");
    int[] single = new Generator(engine, Sampler.greedy(), 1).generateRecompute(prompts.get(0), maxNew, Set.of(stop));
    assertArrayEquals(stopped.get(0), single, "recompute stops the same way");
  }

  /**
   * A stop id in the prompt (every chat turn closes with {@code <|end|>}) is never penalised for being there: with a
   * crushing penalty and a logit bias that makes the stop id the arg max when unpenalised, both paths end at once.
   * Without stop ids nothing is spared, and the penalised id loses.
   */
  @Test
  void theRepetitionPenaltyNeverTouchesTheStopIds() {
    GptEngine engine = engine(TINY, 6);
    int stop = -1;
    int[] prompt = null;
    for (int id = 0; id < TINY.vocabSize() && stop < 0; id++) { // an id whose next-token logit is < 0 after [id, 3, 5]
      int[] p = {id, 3, 5};
      if (engine.forward(new int[][] {p}, null).logits().getDouble(p.length - 1, id) < 0) {
        stop = id;
        prompt = p;
      }
    }
    assertTrue(stop >= 0, "the fixture needs an id with a negative logit");
    // penalty first (a negative logit times 1e9), bias after (+1000): unspared the id loses, spared it wins
    Sampler sampler = Sampler.greedy().withRepetitionPenalty(1e9).withLogitBias(Map.of(stop, 1000.0));
    int[] expected = Arrays.copyOf(prompt, prompt.length + 1);
    expected[prompt.length] = stop;
    assertArrayEquals(expected, new Generator(engine, sampler, 1).generate(prompt, 6, Set.of(stop)));
    assertArrayEquals(expected, new Generator(engine, sampler, 1).generateRecompute(prompt, 6, Set.of(stop)));
    int[] unspared = new Generator(engine, sampler, 1).generate(prompt, 6, Set.of());
    assertNotEquals(stop, unspared[prompt.length], "without stop ids the id is penalised like any other");
  }

  /**
   * With slideKeep = blockSize / 2 a full row restarts from its last half: each token is predicted from the window
   * [start, length) where start jumps to length - keep whenever the window was full. A recompute with that rule
   * gives the same tokens.
   */
  @Test
  void slidingByHalfABlockEqualsRecomputeOverTheSameWindows() {
    GptEngine engine = engine(BLOCK16, 5);
    int t = BLOCK16.blockSize();
    int keep = t / 2;
    int[] p = prompt(5, 31);
    int maxNew = 3 * t;
    int[] cached = new Generator(engine, Sampler.greedy(), 1, keep).generate(p, maxNew, Set.of());

    int[] ids = Arrays.copyOf(p, p.length + maxNew);
    int length = p.length;
    int start = Math.max(0, length - t);
    while (length < ids.length) {
      int[] window = Arrays.copyOfRange(ids, start, length);
      double[] logits = engine.forward(new int[][] {window}, null).logits().getRow(window.length - 1)
          .toDoubleVector();
      boolean full = length - start == t;
      ids[length++] = Sampler.argMax(logits);
      if (full) {
        start = length - keep;
      }
    }
    assertArrayEquals(ids, cached);
  }

  @Test
  void zeroNewTokensAndBadInput() {
    GptEngine engine = engine(TINY, 6);
    Generator generator = new Generator(engine, Sampler.greedy(), 1);
    assertArrayEquals(new int[] {3, 4}, generator.generate(new int[] {3, 4}, 0, Set.of()));
    assertArrayEquals(new int[] {3, 4}, generator.generateRecompute(new int[] {3, 4}, 0, Set.of()));
    assertThrows(IllegalArgumentException.class, () -> generator.generate(new int[0], 5, Set.of()));
    assertThrows(IllegalArgumentException.class, () -> generator.generate(new int[] {1}, -1, Set.of()));
    assertThrows(IllegalArgumentException.class, () -> generator.generate(List.of(), 5, Set.of()));
    assertThrows(IllegalArgumentException.class, () -> new Generator(engine, Sampler.greedy(), 1, 0));
    assertThrows(IllegalArgumentException.class, () -> new Generator(engine, Sampler.greedy(), 1, 9));
  }
}
