package io.llmforge.trainer.optim;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Map;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

class AdamWTest {
  static final double B1 = 0.9;
  static final double B2 = 0.95;
  static final double EPS = 1e-8;
  static final double WD = 0.1;
  static final double LR = 0.01;

  /** Two steps on one scalar parameter, computed by hand with PyTorch's AdamW formulas. */
  @Test
  void twoStepsMatchHandComputation() {
    AdamW adam = new AdamW(B1, B2, EPS, WD);
    INDArray w = Nd4j.createFromArray(new double[] {0.5, -2.0});
    INDArray noDecay = Nd4j.createFromArray(new double[] {0.5});
    double[] g1 = {0.2, -1.0};
    double[] g2 = {-0.4, 3.0};

    adam.step(Map.of("w", w, "b", noDecay), Map.of("w", Nd4j.createFromArray(g1), "b", Nd4j.createFromArray(0.2)),
        "w"::equals, LR);
    adam.step(Map.of("w", w, "b", noDecay), Map.of("w", Nd4j.createFromArray(g2), "b", Nd4j.createFromArray(-0.4)),
        "w"::equals, LR);

    for (int i = 0; i < 2; i++) {
      assertEquals(hand(new double[] {g1[i], g2[i]}, new double[] {0.5, -2.0}[i], true), w.getDouble(i), 1e-12);
    }
    assertEquals(hand(new double[] {0.2, -0.4}, 0.5, false), noDecay.getDouble(0), 1e-12);
    assertEquals(2, adam.steps());
  }

  static double hand(double[] grads, double p, boolean decay) {
    double m = 0;
    double v = 0;
    for (int t = 1; t <= grads.length; t++) {
      double g = grads[t - 1];
      if (decay) {
        p = p * (1 - LR * WD);
      }
      m = B1 * m + (1 - B1) * g;
      v = B2 * v + (1 - B2) * g * g;
      double mHat = m / (1 - Math.pow(B1, t));
      double vHat = v / (1 - Math.pow(B2, t));
      p = p - LR * mHat / (Math.sqrt(vHat) + EPS);
    }
    return p;
  }
}
