package io.llmforge.trainer.optim;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.llmforge.trainer.engine.Parameters;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.factory.Nd4j;

class AdamWTest {
  static final double B1 = 0.9;
  static final double B2 = 0.95;
  static final double EPS = 1e-8;
  static final double WD = 0.1;
  static final double LR = 0.01;
  static final OptimizerSettings SETTINGS = new OptimizerSettings(LR, LR, 0, 0, B1, B2, EPS, WD, 0, 1);

  static Parameters parameters(DataType dt) {
    Parameters p = new Parameters(List.of(
        new Parameters.Spec("w", new long[] {2}, true, true),
        new Parameters.Spec("b", new long[] {1}, true, false),
        new Parameters.Spec("frozen", new long[] {1}, false, true)), dt);
    p.value("w").assign(Nd4j.createFromArray(0.5, -2.0));
    p.value("b").assign(0.5);
    p.value("frozen").assign(3.0);
    return p;
  }

  /**
   * Two steps computed by hand with PyTorch's AdamW formulas: decay on "w" only, frozen untouched; in double through
   * the portable ND4J path and in float through the fused CPU loop.
   */
  @Test
  void twoStepsMatchHandComputation() {
    for (DataType dt : new DataType[] {DataType.DOUBLE, DataType.FLOAT}) {
      Parameters p = parameters(dt);
      AdamW adam = new AdamW(SETTINGS, p);
      double[] g1 = {0.2, -1.0, 0.2};
      double[] g2 = {-0.4, 3.0, -0.4};
      p.gradients().assign(Nd4j.createFromArray(g1).castTo(dt));
      adam.step(p, LR);
      p.gradients().assign(Nd4j.createFromArray(g2).castTo(dt));
      adam.step(p, LR);
      double tolerance = dt == DataType.DOUBLE ? 1e-12 : 1e-6;
      for (int i = 0; i < 2; i++) {
        assertEquals(hand(new double[] {g1[i], g2[i]}, new double[] {0.5, -2.0}[i], true),
            p.value("w").getDouble(i), tolerance, dt + " w[" + i + "]");
      }
      assertEquals(hand(new double[] {0.2, -0.4}, 0.5, false), p.value("b").getDouble(0), tolerance);
      assertEquals(3.0, p.value("frozen").getDouble(0), 0.0);
      assertEquals(2, adam.steps());
    }
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
