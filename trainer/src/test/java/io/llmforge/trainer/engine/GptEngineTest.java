package io.llmforge.trainer.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.function.Predicate;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * The hand-written engine against two independent references: SameDiff's autodiff on the same graph
 * ({@link SameDiffGpt}), and finite differences in double. Weights are perturbed away from their initial values
 * (zero biases, unit gains and zero LoRA B would hide bugs), and token rows repeat ids so the embedding's
 * scatter-add must sum them.
 */
class GptEngineTest {
  static final GptConfig TINY = new GptConfig(13, 8, 2, 2, 16, 0.0, 7);
  static final int B = 3;
  static final int T = 8;

  /** Rows with every id repeated at least once (vocab 13, 24 positions). */
  static int[][] tokens(long seed) {
    Random r = new Random(seed);
    int[][] rows = new int[B][T];
    for (int b = 0; b < B; b++) {
      for (int t = 0; t < T; t++) {
        rows[b][t] = t % 3 == 2 ? rows[b][t - 1] : r.nextInt(TINY.vocabSize());
      }
    }
    rows[1][0] = rows[0][0]; // the same id in two rows
    return rows;
  }

  static int[][] targets(long seed, boolean withIgnored) {
    Random r = new Random(seed);
    int[][] rows = new int[B][T];
    for (int b = 0; b < B; b++) {
      for (int t = 0; t < T; t++) {
        rows[b][t] = withIgnored && (b + t) % 5 == 0 ? -1 : r.nextInt(TINY.vocabSize());
      }
    }
    return rows;
  }

  static void perturb(Parameters p, long seed, double std) {
    Random r = new Random(seed);
    for (String name : p.names()) {
      INDArray v = p.value(name);
      double[] noise = new double[(int) v.length()];
      for (int i = 0; i < noise.length; i++) {
        noise[i] = r.nextGaussian() * std;
      }
      v.addi(Nd4j.create(noise, v.shape(), DataType.DOUBLE).castTo(v.dataType()));
    }
  }

  static INDArray random(DataType dt, long seed, long... shape) {
    Random r = new Random(seed);
    long n = 1;
    for (long s : shape) {
      n *= s;
    }
    double[] v = new double[(int) n];
    for (int i = 0; i < v.length; i++) {
      v[i] = r.nextGaussian();
    }
    return Nd4j.create(v, shape, DataType.DOUBLE).castTo(dt);
  }

  /** ||a - b|| / ||b||. */
  static double relativeError(INDArray a, INDArray b) {
    INDArray ad = a.castTo(DataType.DOUBLE);
    INDArray bd = b.castTo(DataType.DOUBLE).reshape(ad.shape());
    return ad.sub(bd).norm2Number().doubleValue() / Math.max(1e-30, bd.norm2Number().doubleValue());
  }

  private static void compareWithSameDiff(GptEngine engine, double tolerance) {
    int[][] x = tokens(1);
    int[][] y = targets(2, true);
    INDArray wLogp = random(engine.dataType(), 3, B, T);
    INDArray wHidden = random(engine.dataType(), 4, B * T, TINY.nEmbd());
    double loraScale = engine.lora().enabled() ? engine.lora().scale() : 1;
    SameDiffGpt.Result ref = new SameDiffGpt(TINY, engine.parameters(), T, loraScale).run(x, y, wLogp, wHidden);

    engine.parameters().zeroGradients();
    GptEngine.Forward f = engine.forward(x, y);
    assertTrue(relativeError(f.logProbs(), ref.logp()) < tolerance, "logp " + relativeError(f.logProbs(), ref.logp()));
    assertTrue(relativeError(f.hidden(), ref.hidden()) < tolerance, "hidden");
    engine.backward(wLogp, wHidden);
    Parameters p = engine.parameters();
    StringBuilder failures = new StringBuilder();
    for (String name : p.names()) {
      if (!p.trainable(name)) {
        assertNull(p.gradient(name), name);
        continue;
      }
      INDArray expected = ref.gradients().get(name);
      assertNotNull(expected, name);
      double err = relativeError(p.gradient(name), expected);
      if (!(err < tolerance)) {
        failures.append(name).append(": relative error ").append(err).append('\n');
      }
    }
    assertEquals("", failures.toString());
  }

  /** A new batch shape frees the last one's buffers at once (not at some garbage collection), and results hold. */
  @Test
  void aNewBatchShapeFreesTheOldBuffersAndGivesTheSameResults() {
    GptEngine engine = new GptEngine(TINY);
    int[][] x = {{1, 2, 3, 4}, {5, 6, 7, 8}};
    int[][] y = {{2, 3, 4, 5}, {6, 7, 8, 9}};
    double before = engine.forward(x, y).logProbs().sumNumber().doubleValue();
    INDArray oldLogits = engine.forward(x, y).logits();
    engine.forward(new int[][] {{1, 2, 3}}, new int[][] {{2, 3, 4}});
    assertTrue(oldLogits.wasClosed(), "the [2, 4] shape's buffers are freed when the shape changes");
    assertEquals(before, engine.forward(x, y).logProbs().sumNumber().doubleValue(), 1e-6,
        "and the same batch gives the same log-probs on the new buffers");
    engine.backward(Nd4j.ones(DataType.FLOAT, 2, 4), null); // backward runs on them too
  }

  @Test
  void gradientsEqualSameDiffsInFloat() {
    GptEngine engine = new GptEngine(TINY);
    perturb(engine.parameters(), 11, 0.05);
    compareWithSameDiff(engine, 1e-5);
  }

  @Test
  void portableOpsAndCpuKernelsGiveTheSameGradients() {
    GptEngine fast = new GptEngine(TINY);
    System.setProperty("llmforge.engine.portable", "true");
    GptEngine portable;
    try {
      portable = new GptEngine(TINY);
    } finally {
      System.clearProperty("llmforge.engine.portable");
    }
    assertTrue(!portable.usesCpuKernels());
    perturb(fast.parameters(), 11, 0.05);
    perturb(portable.parameters(), 11, 0.05);
    compareWithSameDiff(portable, 1e-5);
    int[][] x = tokens(1);
    int[][] y = targets(2, false);
    INDArray w = random(DataType.FLOAT, 3, B, T);
    for (GptEngine e : new GptEngine[] {fast, portable}) {
      e.parameters().zeroGradients();
      e.forward(x, y);
      e.backward(w, null);
    }
    assertTrue(relativeError(fast.parameters().gradients(), portable.parameters().gradients()) < 1e-5);
  }

  /** The CPU kernels split over three threads give what one thread gives (the tests otherwise run with one). */
  @Test
  void cpuKernelsSplitOverThreadsGiveTheSameGradients() {
    int[][] x = tokens(1);
    int[][] y = targets(2, true);
    INDArray w = random(DataType.FLOAT, 3, B, T);
    float[][] grads = new float[2][];
    for (int run = 0; run < 2; run++) {
      CpuThreads.setThreadsForTests(run == 0 ? 1 : 3);
      try {
        GptEngine e = new GptEngine(TINY);
        perturb(e.parameters(), 11, 0.05);
        e.parameters().zeroGradients();
        e.forward(x, y);
        e.backward(w, null);
        grads[run] = e.parameters().gradients().toFloatVector();
      } finally {
        CpuThreads.setThreadsForTests(1);
      }
    }
    assertTrue(relativeError(Nd4j.createFromArray(grads[1]), Nd4j.createFromArray(grads[0])) < 1e-6);
  }

  @Test
  void loraAndFrozenBaseEqualSameDiffInDouble() {
    LoraSettings lora = new LoraSettings(4, 8, 0, Set.of("attn.c_attn", "mlp.c_proj"));
    Predicate<String> trainable = name -> name.startsWith("ln_f") || name.endsWith(".ln_2.bias");
    GptEngine engine = new GptEngine(TINY, DataType.DOUBLE, lora, trainable);
    perturb(engine.parameters(), 12, 0.05);
    Parameters p = engine.parameters();
    assertNull(p.gradient("wte.weight"));
    assertNull(p.gradient("h.0.attn.c_attn.weight"));
    assertNotNull(p.gradient("h.0.attn.c_attn.lora_A"));
    // per layer: c_attn A [16, 4] + B [4, 48], mlp.c_proj A [64, 4] + B [4, 16]; plus ln_f and two ln_2 biases
    assertEquals(2 * (16 * 4 + 4 * 48 + 64 * 4 + 4 * 16) + 2 * 16 + 2 * 16, p.trainableCount());
    compareWithSameDiff(engine, 1e-9);
  }

  @Test
  void fullModelEqualsSameDiffInDouble() {
    GptEngine engine = new GptEngine(TINY, DataType.DOUBLE, LoraSettings.NONE, n -> true);
    perturb(engine.parameters(), 13, 0.05);
    compareWithSameDiff(engine, 1e-9);
  }

  /** Central differences of L = sum(w logp) + sum(wH hidden) at random coordinates of every tensor. */
  @Test
  void gradientsEqualFiniteDifferencesInDouble() {
    int[][] x = tokens(5);
    // token rows: one id repeated in the input, one only ever a logit column
    int absent = absentId(x);
    LoraSettings lora = new LoraSettings(2, 4, 0, Set.of("attn.c_proj", "mlp.c_fc"), List.of(x[0][1], absent));
    GptEngine engine = new GptEngine(TINY, DataType.DOUBLE, lora, n -> !n.startsWith("h.1.mlp.c_fc.weight"));
    perturb(engine.parameters(), 14, 0.1);
    int[][] y = targets(6, true);
    INDArray w = random(DataType.DOUBLE, 7, B, T);
    INDArray wh = random(DataType.DOUBLE, 8, B * T, TINY.nEmbd());
    Parameters p = engine.parameters();
    p.zeroGradients();
    engine.forward(x, y);
    engine.backward(w, wh);
    Random r = new Random(9);
    double eps = 1e-6;
    int checked = 0;
    for (String name : p.names()) {
      if (!p.trainable(name)) {
        continue;
      }
      INDArray value = p.value(name).reshape(-1);
      INDArray grad = p.gradient(name).reshape(-1);
      int[] coordinates = name.equals("wte.weight")
          ? new int[] {x[0][1] * TINY.nEmbd() + 3, x[0][2] * TINY.nEmbd(), r.nextInt((int) value.length())}
          : name.equals(TrainableTokens.TENSOR)
              ? new int[] {3, TINY.nEmbd() + 5, r.nextInt((int) value.length())} // both rows
              : new int[] {r.nextInt((int) value.length()), r.nextInt((int) value.length())};
      for (int i : coordinates) {
        double original = value.getDouble(i);
        value.putScalar(i, original + eps);
        double plus = objective(engine, x, y, w, wh);
        value.putScalar(i, original - eps);
        double minus = objective(engine, x, y, w, wh);
        value.putScalar(i, original);
        double numeric = (plus - minus) / (2 * eps);
        double analytic = grad.getDouble(i);
        assertEquals(numeric, analytic, 1e-6 * Math.max(1, Math.abs(numeric)), name + "[" + i + "]");
        checked++;
      }
    }
    assertTrue(checked > 50, "checked " + checked);
  }

  /** An id no row of {@code x} holds. */
  private static int absentId(int[][] x) {
    for (int id = TINY.vocabSize() - 1; id >= 0; id--) {
      final int candidate = id;
      if (java.util.Arrays.stream(x).flatMapToInt(java.util.Arrays::stream).noneMatch(v -> v == candidate)) {
        return id;
      }
    }
    throw new IllegalStateException("every id occurs");
  }

  /**
   * Trainable token rows on a frozen embedding are the same function and the same gradient as those rows of a
   * trainable embedding holding wte + delta: logp and hidden states equal, dDelta[j] = dwte[ids[j]] (both the input
   * rows, summed over repeats, and the tied head's columns), every adapter's gradient equal.
   */
  @Test
  void trainableTokenRowsEqualThoseRowsOfATrainableEmbedding() {
    int[][] x = tokens(21);
    int[][] y = targets(22, true);
    List<Integer> ids = List.of(x[0][0], x[2][4], absentId(x));
    LoraSettings adapters = new LoraSettings(2, 4, 0, Set.of("attn.c_attn", "mlp.c_proj"));
    GptEngine rows = new GptEngine(TINY, DataType.DOUBLE, adapters.withTrainableTokens(ids), n -> false);
    perturb(rows.parameters(), 23, 0.1);
    GptEngine full = new GptEngine(TINY, DataType.DOUBLE, adapters, n -> n.equals("wte.weight"));
    Parameters pr = rows.parameters();
    Parameters pf = full.parameters();
    for (String name : pf.names()) {
      pf.value(name).assign(pr.value(name));
    }
    INDArray delta = pr.value(TrainableTokens.TENSOR);
    List<Integer> sorted = rows.lora().trainableTokens();
    for (int j = 0; j < sorted.size(); j++) {
      pf.value("wte.weight").getRow(sorted.get(j)).addi(delta.getRow(j));
    }
    assertNull(pr.gradient("wte.weight"), "the embedding stays frozen");
    assertEquals(3L * TINY.nEmbd(), pr.gradient(TrainableTokens.TENSOR).length());

    INDArray w = random(DataType.DOUBLE, 24, B, T);
    INDArray wh = random(DataType.DOUBLE, 25, B * T, TINY.nEmbd());
    pr.zeroGradients();
    pf.zeroGradients();
    GptEngine.Forward fr = rows.forward(x, y);
    INDArray logp = fr.logProbs().dup();
    INDArray hidden = fr.hidden().dup();
    rows.backward(w, wh);
    GptEngine.Forward ff = full.forward(x, y);
    assertTrue(relativeError(logp, ff.logProbs()) < 1e-12, "logp");
    assertTrue(relativeError(hidden, ff.hidden()) < 1e-12, "hidden");
    full.backward(w, wh);
    for (int j = 0; j < sorted.size(); j++) {
      assertTrue(relativeError(pr.gradient(TrainableTokens.TENSOR).getRow(j), pf.gradient("wte.weight")
          .getRow(sorted.get(j))) < 1e-10, "row of id " + sorted.get(j));
    }
    for (String name : pr.names()) {
      if (name.contains(".lora_")) {
        assertTrue(relativeError(pr.gradient(name), pf.gradient(name)) < 1e-10, name);
      }
    }
  }

  private static double objective(GptEngine e, int[][] x, int[][] y, INDArray w, INDArray wh) {
    GptEngine.Forward f = e.forward(x, y);
    return f.logProbs().mul(w).sumNumber().doubleValue() + f.hidden().mul(wh).sumNumber().doubleValue();
  }

  /**
   * NEFTune's noise changes the training forward only, reproducibly from the step, by about its scale: alpha / sqrt(T
   * C) per embedding coordinate, so alpha 1e-3 moves logp by far less than alpha 5 does.
   */
  @Test
  void embeddingNoiseAppliesInTrainingModeOnly() {
    GptEngine noisy = new GptEngine(TINY, DataType.DOUBLE, LoraSettings.NONE, n -> true);
    GptEngine plain = new GptEngine(TINY, DataType.DOUBLE, LoraSettings.NONE, n -> true);
    perturb(noisy.parameters(), 17, 0.05);
    perturb(plain.parameters(), 17, 0.05);
    noisy.embeddingNoise(5);
    int[][] x = tokens(3);
    int[][] y = targets(4, false);
    INDArray eval = noisy.forward(x, y).logProbs().dup();
    assertTrue(relativeError(eval, plain.forward(x, y).logProbs()) < 1e-12, "no noise outside training");
    plain.train(true, 7);
    assertTrue(relativeError(plain.forward(x, y).logProbs(), eval) < 1e-12, "alpha 0 adds nothing in training");
    noisy.train(true, 7);
    INDArray first = noisy.forward(x, y).logProbs().dup();
    double moved = relativeError(first, eval);
    assertTrue(moved > 1e-4, "the noise changes the training forward: " + moved);
    noisy.train(true, 7);
    assertTrue(relativeError(noisy.forward(x, y).logProbs(), first) < 1e-12, "same step, same noise");
    noisy.train(true, 8);
    assertTrue(relativeError(noisy.forward(x, y).logProbs(), first) > 1e-6, "another step, other noise");
    noisy.embeddingNoise(1e-3);
    noisy.train(true, 7);
    double small = relativeError(noisy.forward(x, y).logProbs(), eval);
    assertTrue(small > 0 && small < moved / 100, "noise scales with alpha: " + small + " vs " + moved);
    noisy.train(false, 7);
    assertTrue(relativeError(noisy.forward(x, y).logProbs(), eval) < 1e-12);
  }

  /** The noise does not depend on the weights: a noisy forward's backward pass is its exact gradient. */
  @Test
  void gradientsUnderEmbeddingNoiseEqualFiniteDifferences() {
    GptEngine engine = new GptEngine(TINY, DataType.DOUBLE, LoraSettings.NONE, n -> true);
    perturb(engine.parameters(), 18, 0.1);
    engine.embeddingNoise(5);
    int[][] x = tokens(10);
    int[][] y = targets(11, true);
    INDArray w = random(DataType.DOUBLE, 12, B, T);
    INDArray wh = random(DataType.DOUBLE, 13, B * T, TINY.nEmbd());
    Parameters p = engine.parameters();
    p.zeroGradients();
    engine.train(true, 3);
    engine.forward(x, y);
    engine.backward(w, wh);
    double eps = 1e-6;
    int checked = 0;
    for (String name : List.of("wte.weight", "wpe.weight", "h.0.attn.c_attn.weight", "h.1.mlp.c_proj.weight")) {
      INDArray value = p.value(name).reshape(-1);
      INDArray grad = p.gradient(name).reshape(-1);
      int first = name.equals("wte.weight") ? x[1][2] * TINY.nEmbd() + 1 : 5;
      for (int i : new int[] {first, first + 7}) {
        double original = value.getDouble(i);
        value.putScalar(i, original + eps);
        engine.train(true, 3); // the same noise in every pass
        double plus = objective(engine, x, y, w, wh);
        value.putScalar(i, original - eps);
        engine.train(true, 3);
        double minus = objective(engine, x, y, w, wh);
        value.putScalar(i, original);
        double numeric = (plus - minus) / (2 * eps);
        assertEquals(numeric, grad.getDouble(i), 1e-6 * Math.max(1, Math.abs(numeric)), name + "[" + i + "]");
        checked++;
      }
    }
    assertEquals(8, checked);
    assertThrows(IllegalArgumentException.class, () -> engine.embeddingNoise(-1));
  }

  /** LoRA dropout drops adapter inputs in training mode only, with masks reproducible from the step. */
  @Test
  void loraDropoutAppliesInTrainingModeOnly() {
    LoraSettings lora = new LoraSettings(4, 8, 0.5, Set.of("mlp.c_fc"));
    GptEngine withDropout = new GptEngine(TINY, DataType.DOUBLE, lora, n -> false);
    GptEngine without = new GptEngine(TINY, DataType.DOUBLE, new LoraSettings(4, 8, 0, Set.of("mlp.c_fc")),
        n -> false);
    perturb(withDropout.parameters(), 16, 0.05);
    perturb(without.parameters(), 16, 0.05);
    int[][] x = tokens(1);
    int[][] y = targets(2, false);
    INDArray eval = withDropout.forward(x, y).logProbs().dup();
    assertTrue(relativeError(eval, without.forward(x, y).logProbs()) < 1e-12, "no dropout outside training");
    withDropout.train(true, 7);
    INDArray first = withDropout.forward(x, y).logProbs().dup();
    assertTrue(relativeError(first, eval) > 1e-6, "dropout changes the adapters' contribution in training");
    withDropout.train(true, 7);
    assertTrue(relativeError(withDropout.forward(x, y).logProbs(), first) < 1e-12, "same step, same masks");
    withDropout.train(false, 7);
    assertTrue(relativeError(withDropout.forward(x, y).logProbs(), eval) < 1e-12);
  }

  @Test
  void mergingAdaptersKeepsTheFunction() {
    LoraSettings lora = new LoraSettings(4, 8, 0, Set.copyOf(LoraSettings.TARGETS), List.of(2, 5));
    GptEngine engine = new GptEngine(TINY, DataType.DOUBLE, lora, n -> false);
    perturb(engine.parameters(), 15, 0.05);
    int[][] x = tokens(1);
    int[][] y = targets(2, false);
    INDArray before = engine.forward(x, y).logProbs().dup();
    engine.mergeAdapters();
    assertEquals(0.0, engine.parameters().value("h.1.mlp.c_fc.lora_B").norm2Number().doubleValue());
    assertEquals(0.0, engine.parameters().value(TrainableTokens.TENSOR).norm2Number().doubleValue());
    assertTrue(relativeError(engine.forward(x, y).logProbs(), before) < 1e-12);
  }

  @Test
  void shorterSequencesAndNewBatchShapesWork() {
    GptEngine engine = new GptEngine(TINY, DataType.DOUBLE, LoraSettings.NONE, n -> true);
    int[][] x = tokens(1);
    int[][] y = targets(2, false);
    INDArray full = engine.forward(x, y).logProbs().dup();
    // causal: the first 5 positions do not depend on the last 3
    int[][] x5 = new int[B][];
    int[][] y5 = new int[B][];
    for (int b = 0; b < B; b++) {
      x5[b] = java.util.Arrays.copyOf(x[b], 5);
      y5[b] = java.util.Arrays.copyOf(y[b], 5);
    }
    INDArray prefix = engine.forward(x5, y5).logProbs();
    assertTrue(relativeError(prefix, full.get(org.nd4j.linalg.indexing.NDArrayIndex.all(),
        org.nd4j.linalg.indexing.NDArrayIndex.interval(0, 5)).dup()) < 1e-12);
  }
}
