package io.llmforge.trainer.metrics;

import io.llmforge.trainer.engine.GptConfig;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class FlopsTest {
  @Test
  void nanoGptFormula() {
    GptConfig c = GptConfig.nanoGptCpu(65, 1);
    long params = 809_856; // GptEngine.parameters().count() of this config (fused c_attn: same count)
    double expected = 6.0 * (params - 64 * 128) + 12.0 * 4 * 4 * 32 * 64;
    assertEquals(expected, Flops.perToken(c, params), 0.0);
    assertEquals(expected * 1000 / 1e12, Flops.mfu(c, params, 1000, 1.0), 1e-15);
    assertEquals(0.0, Flops.mfu(c, params, 1000, 0.0), 0.0);
  }

  @Test
  void progressLineAndLossCurveRender() {
    String line = ProgressLine.format(50, 200, 2.5, Double.NaN, 1e-3, 1234, 0.0123, 125);
    assertTrue(line.startsWith("[#####---------------] step 50/200 loss 2.5000 val - lr 1.00e-03"), line);
    assertTrue(line.endsWith("| 1234 tok/s | mfu 1.23% | eta 2m05s"), line);
    String svg = LossCurve.svg(List.of(Map.of("step", 0, "val_loss", 4.0), Map.of("step", 10, "loss", 3.0),
        Map.of("step", 20, "loss", 2.0), Map.of("step", 20, "val_loss", 2.5)));
    assertTrue(svg.startsWith("<svg") && svg.contains("train loss (last 2.0000)")
        && svg.contains("val loss (last 2.5000)"), svg);
  }
}
