package io.llmforge.trainer.loop;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.llmforge.trainer.engine.GptConfig;
import io.llmforge.trainer.engine.GptEngine;
import io.llmforge.trainer.engine.LoraSettings;
import io.llmforge.trainer.optim.OptimizerSettings;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

class TrainerTest {
  static final GptConfig TINY = new GptConfig(13, 8, 2, 2, 16, 0.0, 1);

  static int[][] rows(int batch, long seed) {
    Random r = new Random(seed);
    int[][] rows = new int[batch][TINY.blockSize() + 1];
    for (int[] row : rows) {
      for (int i = 0; i < row.length; i++) {
        row[i] = r.nextInt(TINY.vocabSize());
      }
    }
    return rows;
  }

  @Test
  void overfitsOneSmallBatch() {
    GptEngine model = new GptEngine(TINY);
    OptimizerSettings settings = new OptimizerSettings(1e-2, 1e-3, 5, 60, 0.9, 0.99, 1e-8, 0.0, 1.0, 1);
    Trainer trainer = new Trainer(model, settings);
    int[][] rows = rows(4, 9);
    Trainer.StepResult first = trainer.step(List.<int[][]>of(rows));
    for (int i = 1; i < 60; i++) {
      trainer.step(List.<int[][]>of(rows));
    }
    assertEquals(60, trainer.step());
    assertEquals(Math.log(TINY.vocabSize()), first.loss(), 0.2);
    double finalLoss = Trainer.loss(model, rows);
    assertTrue(finalLoss < 0.3 * first.loss(), "loss " + first.loss() + " -> " + finalLoss);
  }

  @Test
  void accumulatingMicroBatchesEqualsOneBigBatch() {
    OptimizerSettings whole = new OptimizerSettings(1e-2, 1e-3, 0, 10, 0.9, 0.99, 1e-8, 0.1, 1.0, 1);
    OptimizerSettings halves = new OptimizerSettings(1e-2, 1e-3, 0, 10, 0.9, 0.99, 1e-8, 0.1, 1.0, 2);
    GptEngine a = new GptEngine(TINY, DataType.DOUBLE, LoraSettings.NONE, n -> true);
    GptEngine b = new GptEngine(TINY, DataType.DOUBLE, LoraSettings.NONE, n -> true);
    Trainer ta = new Trainer(a, whole);
    Trainer tb = new Trainer(b, halves);
    for (int s = 0; s < 3; s++) {
      int[][] r = rows(2, s);
      double la = ta.step(List.<int[][]>of(r)).loss();
      double lb = tb.step(List.of(new int[][] {r[0]}, new int[][] {r[1]})).loss();
      assertEquals(la, lb, 1e-12);
    }
    INDArray wa = a.parameters().trainableValues();
    INDArray wb = b.parameters().trainableValues();
    assertTrue(wa.equalsWithEps(wb, 1e-10), "weights differ");
  }

  @Test
  void frozenParametersDoNotMove() {
    GptEngine model = new GptEngine(TINY, DataType.FLOAT, new LoraSettings(2, 4, 0, java.util.Set.of("mlp.c_fc")),
        n -> false);
    INDArray base = model.parameters().value("h.0.mlp.c_fc.weight").dup();
    INDArray loraA = model.parameters().value("h.0.mlp.c_fc.lora_A").dup();
    Trainer trainer = new Trainer(model, OptimizerSettings.nanoGptShakespeare());
    for (int i = 0; i < 3; i++) {
      trainer.step(List.<int[][]>of(rows(2, i)));
    }
    assertTrue(base.equalsWithEps(model.parameters().value("h.0.mlp.c_fc.weight"), 0.0));
    assertTrue(!loraA.equalsWithEps(model.parameters().value("h.0.mlp.c_fc.lora_A"), 1e-9), "LoRA A did not train");
  }
}
