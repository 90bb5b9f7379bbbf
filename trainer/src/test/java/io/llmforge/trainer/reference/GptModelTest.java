package io.llmforge.trainer.reference;

import io.llmforge.trainer.engine.GptConfig;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

public class GptModelTest {
  /** 2 layers, 2 heads: every kind of parameter and the attention reshapes are exercised. */
  static final GptConfig TINY = new GptConfig(11, 5, 2, 2, 8, 0.0, 42);

  public static int[][] randomRows(int batch, int length, int vocab, long seed) {
    Random random = new Random(seed);
    int[][] rows = new int[batch][length];
    for (int[] row : rows) {
      for (int i = 0; i < length; i++) {
        row[i] = random.nextInt(vocab);
      }
    }
    return rows;
  }

  @Test
  void shapesAndInitialLossNearUniform() {
    GptModel model = new GptModel(TINY);
    Map<String, INDArray> batch = model.batch(randomRows(3, TINY.blockSize() + 1, TINY.vocabSize(), 1));
    INDArray logits = model.logits(batch.get(GptModel.TOKENS));
    assertArrayEquals(new long[] {3 * 5, 11}, logits.shape());
    // Small initial weights: predictions are near uniform, so the loss is near ln(V).
    assertEquals(Math.log(11), model.loss(batch), 0.1);
  }

  @Test
  void sameSeedSameWeights() {
    GptModel a = new GptModel(TINY);
    GptModel b = new GptModel(TINY);
    for (String p : a.parameterNames()) {
      assertEquals(a.parameter(p), b.parameter(p), p);
    }
  }

  @Test
  void lossGradientMatchesFiniteDifferences() {
    GptModel model = new GptModel(TINY, DataType.DOUBLE);
    // Perturb LayerNorm gains and biases away from 1/0 so their gradients are generic, not special cases.
    Random random = new Random(7);
    for (String p : model.parameterNames()) {
      INDArray w = model.parameter(p);
      for (long i = 0; i < w.length(); i++) {
        w.putScalar(i, w.getDouble(i) + 0.3 * random.nextGaussian());
      }
    }
    Map<String, INDArray> batch = model.batch(randomRows(2, TINY.blockSize() + 1, TINY.vocabSize(), 3));
    Map<String, INDArray> grads = model.gradients(batch);
    double eps = 1e-6;
    int checked = 0;
    for (String p : model.parameterNames()) {
      INDArray w = model.parameter(p);
      INDArray g = grads.get(p);
      assertArrayEquals(w.shape(), g.shape(), p);
      for (int k = 0; k < 3; k++) {
        long i = random.nextInt((int) w.length());
        double original = w.getDouble(i);
        w.putScalar(i, original + eps);
        double plus = model.loss(batch);
        w.putScalar(i, original - eps);
        double minus = model.loss(batch);
        w.putScalar(i, original);
        double numeric = (plus - minus) / (2 * eps);
        double analytic = g.getDouble(i);
        double scale = Math.max(1e-3, Math.abs(numeric) + Math.abs(analytic));
        assertTrue(Math.abs(numeric - analytic) / scale < 1e-4,
            p + "[" + i + "]: analytic " + analytic + " vs numeric " + numeric);
        checked++;
      }
    }
    assertTrue(checked >= 3 * 20);
  }

  @Test
  void futureTokensNeverChangeEarlierLogits() {
    GptModel model = new GptModel(TINY, DataType.DOUBLE);
    int t = TINY.blockSize();
    int[][] rows = randomRows(1, t, TINY.vocabSize(), 5);
    INDArray before = model.logits(Nd4j.createFromArray(rows));
    for (int changed = 1; changed < t; changed++) {
      int[][] edited = {rows[0].clone()};
      edited[0][changed] = (edited[0][changed] + 1) % TINY.vocabSize();
      INDArray after = model.logits(Nd4j.createFromArray(edited));
      for (int pos = 0; pos < t; pos++) {
        double diff = after.getRow(pos).sub(before.getRow(pos)).amaxNumber().doubleValue();
        if (pos < changed) {
          assertEquals(0.0, diff, 1e-12, "token " + changed + " leaked into position " + pos);
        } else if (pos == changed) {
          assertTrue(diff > 1e-6, "position " + pos + " must see its own token");
        }
      }
    }
  }
}
