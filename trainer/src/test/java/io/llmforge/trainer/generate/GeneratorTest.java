package io.llmforge.trainer.generate;

import io.llmforge.trainer.engine.GptConfig;
import io.llmforge.trainer.optim.OptimizerSettings;
import io.llmforge.trainer.pretrain.Trainer;
import io.llmforge.trainer.reference.GptModel;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

class GeneratorTest {
  @Test
  void continuesAMemorisedSequenceGreedily() {
    GptConfig config = new GptConfig(10, 6, 1, 2, 16, 0.0, 5);
    GptModel model = new GptModel(config);
    Trainer trainer = new Trainer(model, new OptimizerSettings(2e-2, 2e-3, 5, 80, 0.9, 0.99, 1e-8, 0.0, 1.0, 1));
    // Every window of the cycle 0..9: "after k comes k+1 (mod 10)".
    int[][] rows = new int[10][config.blockSize() + 1];
    for (int r = 0; r < rows.length; r++) {
      for (int i = 0; i < rows[r].length; i++) {
        rows[r][i] = (r + i) % 10;
      }
    }
    for (int step = 0; step < 80; step++) {
      trainer.step(List.<int[][]>of(rows));
    }
    assertTrue(model.loss(model.batch(rows)) < 0.05, "memorised");
    Generator generator = new Generator(model, Sampler.greedy(), 1);
    // A prompt shorter than blockSize (right padding) and generation past blockSize (sliding window).
    int[] out = generator.generate(new int[] {3, 4}, 10, -1);
    assertArrayEquals(new int[] {3, 4, 5, 6, 7, 8, 9, 0, 1, 2, 3, 4}, out);
    assertEquals(5, generator.generate(new int[] {7}, 10, 1).length, "stops after the stop id 1: 7 8 9 0 1");
  }
}
