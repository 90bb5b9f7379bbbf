package io.llmforge.trainer.optim;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

class GradientClippingTest {
  static Map<String, INDArray> grads() {
    Map<String, INDArray> g = new LinkedHashMap<>();
    g.put("a", Nd4j.createFromArray(3.0, 0.0));          // |a|^2 = 9
    g.put("b", Nd4j.createFromArray(new double[][] {{0.0, 4.0}, {0.0, 12.0}})); // |b|^2 = 160
    return g;                                            // global norm 13
  }

  @Test
  void globalNormIsNormOfConcatenation() {
    assertEquals(13.0, GradientClipping.globalNorm(grads()), 1e-12);
  }

  @Test
  void clippingBoundsTheNormAndKeepsTheDirection() {
    Map<String, INDArray> g = grads();
    assertEquals(13.0, GradientClipping.clip(g, 1.0), 1e-12); // reports the norm before clipping
    assertEquals(1.0, GradientClipping.globalNorm(g), 1e-6);
    assertEquals(3.0 / 13, g.get("a").getDouble(0), 1e-6);
    assertEquals(12.0 / 13, g.get("b").getDouble(1, 1), 1e-6);
  }

  @Test
  void smallGradientsAndZeroLimitAreUntouched() {
    Map<String, INDArray> g = grads();
    GradientClipping.clip(g, 100.0);
    assertEquals(13.0, GradientClipping.globalNorm(g), 1e-12);
    GradientClipping.clip(g, 0.0);
    assertEquals(13.0, GradientClipping.globalNorm(g), 1e-12);
  }
}
