package io.llmforge.trainer.optim;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

class GradientClippingTest {
  static INDArray grads() {
    return Nd4j.createFromArray(3.0, 0.0, 4.0, 0.0, 12.0); // global norm 13
  }

  @Test
  void clippingBoundsTheNormAndKeepsTheDirection() {
    INDArray g = grads();
    assertEquals(13.0, GradientClipping.clip(g, 1.0), 1e-12); // reports the norm before clipping
    assertEquals(1.0, g.norm2Number().doubleValue(), 1e-6);
    assertEquals(3.0 / 13, g.getDouble(0), 1e-6);
    assertEquals(12.0 / 13, g.getDouble(4), 1e-6);
  }

  @Test
  void smallGradientsAndZeroLimitAreUntouched() {
    INDArray g = grads();
    GradientClipping.clip(g, 100.0);
    assertEquals(13.0, g.norm2Number().doubleValue(), 1e-12);
    GradientClipping.clip(g, 0.0);
    assertEquals(13.0, g.norm2Number().doubleValue(), 1e-12);
  }
}
