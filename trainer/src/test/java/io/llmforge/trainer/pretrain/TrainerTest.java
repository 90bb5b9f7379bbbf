package io.llmforge.trainer.pretrain;

import io.llmforge.trainer.engine.GptConfig;
import io.llmforge.trainer.optim.OptimizerSettings;
import io.llmforge.trainer.reference.GptModel;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

class TrainerTest {
  static final GptConfig TINY = new GptConfig(13, 8, 1, 2, 16, 0.0, 1);

  @Test
  void overfitsOneSmallBatch() {
    GptModel model = new GptModel(TINY);
    OptimizerSettings settings = new OptimizerSettings(1e-2, 1e-3, 5, 60, 0.9, 0.99, 1e-8, 0.0, 1.0, 1);
    Trainer trainer = new Trainer(model, settings);
    int[][] rows = GptModelTest.randomRows(4, TINY.blockSize() + 1, TINY.vocabSize(), 9);
    Trainer.StepResult first = trainer.step(List.<int[][]>of(rows));
    Trainer.StepResult last = first;
    for (int i = 1; i < 60; i++) {
      last = trainer.step(List.<int[][]>of(rows));
    }
    assertEquals(60, trainer.step());
    assertEquals(Math.log(TINY.vocabSize()), first.loss(), 0.2);
    double finalLoss = model.loss(model.batch(rows));
    assertTrue(finalLoss < 0.3 * first.loss(), "loss " + first.loss() + " -> " + last.loss() + " -> " + finalLoss);
  }

  @Test
  void accumulatingMicroBatchesEqualsOneBigBatch() {
    GptModel model = new GptModel(TINY, DataType.DOUBLE);
    Trainer trainer = new Trainer(model, OptimizerSettings.nanoGptShakespeare());
    int[][] rows = GptModelTest.randomRows(2, TINY.blockSize() + 1, TINY.vocabSize(), 4);
    Trainer.Gradients whole = trainer.accumulate(List.<int[][]>of(rows));
    Trainer.Gradients halves = trainer.accumulate(List.<int[][]>of(new int[][] {rows[0]}, new int[][] {rows[1]}));
    assertEquals(whole.loss(), halves.loss(), 1e-12);
    for (Map.Entry<String, INDArray> e : whole.byParameter().entrySet()) {
      INDArray other = halves.byParameter().get(e.getKey());
      assertTrue(e.getValue().equalsWithEps(other, 1e-10), e.getKey());
    }
  }
}
