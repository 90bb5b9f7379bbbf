package io.llmforge.trainer.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * The cached decoder against the engine's full forward pass: at every position, the logits of the next token from
 * {@link KvCacheDecoder} (prefill of a prompt, then one step per token) equal those of {@link GptEngine#forward} on
 * the whole prefix, read at its last position. Weights are perturbed (zero biases, unit gains and zero LoRA B would
 * hide bugs).
 */
class KvCacheDecoderTest {
  static final GptConfig TINY = GptEngineTest.TINY;                     // blockSize 8, 2 heads
  static final GptConfig BLOCK16 = new GptConfig(13, 16, 2, 4, 16, 0.0, 9); // blockSize 16, 4 heads
  static final double DOUBLE_TOLERANCE = 1e-10;
  static final double FLOAT_TOLERANCE = 1e-5;

  static GptEngine doubleEngine(GptConfig config) {
    GptEngine engine = new GptEngine(config, DataType.DOUBLE, LoraSettings.NONE, n -> true);
    GptEngineTest.perturb(engine.parameters(), 21, 0.1);
    return engine;
  }

  static GptEngine floatEngine(GptConfig config) {
    GptEngine engine = new GptEngine(config);
    GptEngineTest.perturb(engine.parameters(), 22, 0.1);
    return engine;
  }

  static int[] randomTokens(int length, int vocab, long seed) {
    Random r = new Random(seed);
    int[] ids = new int[length];
    for (int i = 0; i < length; i++) {
      ids[i] = r.nextInt(vocab);
    }
    return ids;
  }

  /** The engine's logits of the token after {@code tokens[0, length)}: a forward pass on that prefix. */
  static double[] recompute(GptEngine engine, int[] tokens, int length) {
    int[] prefix = Arrays.copyOf(tokens, length);
    return engine.forward(new int[][] {prefix}, null).logits().getRow(length - 1).toDoubleVector();
  }

  /** ||a - b|| / ||b||. */
  static double relativeError(double[] a, double[] b) {
    double diff = 0;
    double norm = 0;
    for (int i = 0; i < a.length; i++) {
      diff += (a[i] - b[i]) * (a[i] - b[i]);
      norm += b[i] * b[i];
    }
    return Math.sqrt(diff) / Math.max(1e-30, Math.sqrt(norm));
  }

  static void assertClose(double[] actual, double[] expected, double tolerance, String what) {
    assertEquals(expected.length, actual.length, what);
    double err = relativeError(actual, expected);
    assertTrue(err < tolerance, what + ": relative error " + err);
  }

  /** Prefills {@code promptLength} tokens into row 0, then steps the rest one at a time up to the block size. */
  private static void matchesRecomputeAtEveryPosition(GptEngine engine, int promptLength, double tolerance) {
    GptConfig config = engine.config();
    int t = config.blockSize();
    int[] tokens = randomTokens(t, config.vocabSize(), 31 + promptLength);
    KvCacheDecoder decoder = new KvCacheDecoder(engine, 1);
    double[] cached = decoder.prefill(0, Arrays.copyOf(tokens, promptLength)).toDoubleVector();
    assertClose(cached, recompute(engine, tokens, promptLength), tolerance, "prefill of " + promptLength);
    assertEquals(promptLength, decoder.length(0));
    for (int length = promptLength + 1; length <= t; length++) {
      cached = decoder.step(new int[] {0}, new int[] {tokens[length - 1]}).getRow(0).toDoubleVector();
      assertClose(cached, recompute(engine, tokens, length), tolerance, "step to length " + length);
      assertEquals(length, decoder.length(0));
    }
    IllegalStateException full = assertThrows(IllegalStateException.class,
        () -> decoder.step(new int[] {0}, new int[] {1}));
    assertTrue(full.getMessage().contains("block size"), full.getMessage());
  }

  @Test
  void stepsMatchTheFullForwardAtEveryPositionInDouble() {
    for (GptConfig config : new GptConfig[] {TINY, BLOCK16}) {
      GptEngine engine = doubleEngine(config);
      for (int promptLength : new int[] {1, 3, config.blockSize()}) {
        matchesRecomputeAtEveryPosition(engine, promptLength, DOUBLE_TOLERANCE);
      }
    }
  }

  @Test
  void stepsMatchTheFullForwardAtEveryPositionInFloat() {
    for (GptConfig config : new GptConfig[] {TINY, BLOCK16}) {
      GptEngine engine = floatEngine(config);
      assertEquals(DataType.FLOAT, engine.dataType());
      matchesRecomputeAtEveryPosition(engine, 3, FLOAT_TOLERANCE);
    }
  }

  /**
   * In double through ND4J ops, in float through the CPU step (adapters and trainable token rows merged into its
   * weight copy).
   */
  @Test
  void loraAdaptersAreApplied() {
    for (DataType dt : new DataType[] {DataType.DOUBLE, DataType.FLOAT}) {
      // dropout (off outside training) makes the decoder copy the settings: the copy keeps the token rows
      GptEngine engine = new GptEngine(TINY, dt, new LoraSettings(2, 4, 0.3, Set.of("attn.c_attn", "mlp.c_proj"),
          java.util.stream.IntStream.range(0, 7).boxed().toList()), n -> false); // rows of most prompt ids
      GptEngineTest.perturb(engine.parameters(), 23, 0.1); // A and B included: B is no longer zero
      assertTrue(engine.parameters().value("h.0.attn.c_attn.lora_B").norm2Number().doubleValue() > 0);
      matchesRecomputeAtEveryPosition(engine, 2, dt == DataType.DOUBLE ? DOUBLE_TOLERANCE : FLOAT_TOLERANCE);
    }
  }

  /** The CPU step copies the weights: a change is seen after reset(), as the class documents. */
  @Test
  void resetPicksUpChangedWeights() {
    GptEngine engine = floatEngine(BLOCK16);
    KvCacheDecoder decoder = new KvCacheDecoder(engine, 1);
    int[] tokens = randomTokens(6, BLOCK16.vocabSize(), 51);
    engine.parameters().value("h.1.mlp.c_fc.weight").muli(1.5);
    decoder.reset();
    decoder.prefill(0, Arrays.copyOf(tokens, 5));
    double[] stepped = decoder.step(new int[] {0}, new int[] {tokens[5]}).getRow(0).toDoubleVector();
    assertClose(stepped, recompute(engine, tokens, 6), FLOAT_TOLERANCE, "after reset");
  }

  /**
   * Rows of different prompt lengths stepped together, all of them and then subsets (non-consecutive, out of order:
   * the gathered path), give the logits each row gets alone, and the full forward's.
   */
  @Test
  void batchedRowsOfDifferentLengthsMatchEachRowAlone() {
    batchedRowsMatch(doubleEngine(BLOCK16), DOUBLE_TOLERANCE);
    batchedRowsMatch(floatEngine(BLOCK16), FLOAT_TOLERANCE);
  }

  private static void batchedRowsMatch(GptEngine engine, double tolerance) {
    int v = BLOCK16.vocabSize();
    int[][] tokens = {randomTokens(16, v, 41), randomTokens(16, v, 42), randomTokens(16, v, 43)};
    int[] promptLengths = {2, 7, 1};
    KvCacheDecoder batched = new KvCacheDecoder(engine, 3);
    KvCacheDecoder alone = new KvCacheDecoder(engine, 1);
    int[] lengths = promptLengths.clone();
    for (int r = 0; r < 3; r++) {
      double[] logits = batched.prefill(r, Arrays.copyOf(tokens[r], lengths[r])).toDoubleVector();
      assertClose(logits, recompute(engine, tokens[r], lengths[r]), tolerance, "prefill of row " + r);
    }
    int[][] schedule = {{0, 1, 2}, {0, 1, 2}, {2, 0}, {1}, {0, 2}, {2, 1, 0}, {0, 1, 2}};
    for (int[] rows : schedule) {
      int[] fed = new int[rows.length];
      for (int i = 0; i < rows.length; i++) {
        fed[i] = tokens[rows[i]][lengths[rows[i]]];
      }
      double[][] logits = batched.step(rows, fed).toDoubleMatrix();
      for (int i = 0; i < rows.length; i++) {
        int r = rows[i];
        lengths[r]++;
        assertEquals(lengths[r], batched.length(r));
        // the same row alone: a fresh single-row decoder, prefilled with all but the last token, then one step
        alone.prefill(0, Arrays.copyOf(tokens[r], lengths[r] - 1));
        double[] single = alone.step(new int[] {0}, new int[] {fed[i]}).getRow(0).toDoubleVector();
        assertClose(logits[i], single, tolerance, "row " + r + " at length " + lengths[r] + " vs alone");
        assertClose(logits[i], recompute(engine, tokens[r], lengths[r]), tolerance,
            "row " + r + " at length " + lengths[r] + " vs recompute");
      }
    }
  }

  /** Prefill replaces a row (a shorter prompt masks the stale tail); reset empties every row. */
  @Test
  void prefillReplacesARowAndResetEmptiesAll() {
    GptEngine engine = doubleEngine(TINY);
    int[] tokens = randomTokens(8, TINY.vocabSize(), 51);
    KvCacheDecoder decoder = new KvCacheDecoder(engine, 2);
    decoder.prefill(0, Arrays.copyOf(tokens, 6));
    decoder.prefill(0, Arrays.copyOf(tokens, 2));
    assertEquals(2, decoder.length(0));
    double[] logits = decoder.step(new int[] {0}, new int[] {tokens[2]}).getRow(0).toDoubleVector();
    assertClose(logits, recompute(engine, tokens, 3), DOUBLE_TOLERANCE, "after re-prefill");
    decoder.reset();
    assertEquals(0, decoder.length(0));
    // an empty row can be stepped from position 0
    logits = decoder.step(new int[] {1}, new int[] {tokens[0]}).getRow(0).toDoubleVector();
    assertClose(logits, recompute(engine, tokens, 1), DOUBLE_TOLERANCE, "step of an empty row");
  }

  @Test
  void rejectsBadInput() {
    GptEngine engine = doubleEngine(TINY);
    KvCacheDecoder decoder = new KvCacheDecoder(engine, 2);
    assertThrows(IllegalArgumentException.class, () -> new KvCacheDecoder(engine, 0));
    assertThrows(IllegalArgumentException.class, () -> decoder.prefill(0, new int[0]));
    assertThrows(IllegalArgumentException.class, () -> decoder.prefill(0, new int[9]));
    assertThrows(IllegalArgumentException.class, () -> decoder.prefill(2, new int[] {1}));
    assertThrows(IllegalArgumentException.class, () -> decoder.prefill(0, new int[] {13}));
    assertThrows(IllegalArgumentException.class, () -> decoder.step(new int[] {0, 0}, new int[] {1, 2}));
    assertThrows(IllegalArgumentException.class, () -> decoder.step(new int[] {0}, new int[] {1, 2}));
    assertThrows(IllegalArgumentException.class, () -> decoder.step(new int[] {0}, new int[] {-1}));
    assertThrows(IllegalArgumentException.class, () -> decoder.step(new int[] {0, 1, 1}, new int[] {1, 2, 3}));
    assertEquals(0, decoder.length(0), "nothing was written");
  }

  /** A row holds blockSize tokens; the row filled by prefill must slide before another step. */
  @Test
  void aFullRowRefusesAStep() {
    GptEngine engine = doubleEngine(TINY);
    KvCacheDecoder decoder = new KvCacheDecoder(engine, 2);
    INDArray logits = decoder.prefill(1, randomTokens(8, TINY.vocabSize(), 61));
    assertEquals(TINY.vocabSize(), logits.length());
    assertThrows(IllegalStateException.class, () -> decoder.step(new int[] {0, 1}, new int[] {1, 2}));
    assertEquals(0, decoder.length(0), "a refused step changes no row");
  }
}
