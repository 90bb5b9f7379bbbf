package io.llmforge.trainer.distributed;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.llmforge.trainer.engine.GptConfig;
import io.llmforge.trainer.engine.GptEngine;
import io.llmforge.trainer.optim.OptimizerSettings;
import io.llmforge.trainer.loop.Trainer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

class GradientAveragingTest {
  static final GptConfig TINY = new GptConfig(13, 8, 1, 2, 16, 0.0, 1);

  static int[][] randomRows(int batch, int length, int vocab, long seed) {
    Random r = new Random(seed);
    int[][] rows = new int[batch][length];
    for (int[] row : rows) {
      for (int i = 0; i < length; i++) {
        row[i] = r.nextInt(vocab);
      }
    }
    return rows;
  }

  @Test
  void averagesAFlatBufferAndTheLossOverTheGroup() throws Exception {
    record Out(float[] values, double loss) {}
    List<Out> results = RingAllReduceTest.onRing(2, Duration.ofSeconds(30), ring -> {
      INDArray flat = Nd4j.createFromArray(ring.rank() == 0 ? new float[] {1, 2, 3} : new float[] {3, 6, 9});
      INDArray view = flat.get(org.nd4j.linalg.indexing.NDArrayIndex.interval(1, 3)); // an offset view, in place
      double loss = GradientAveraging.average(view, ring.rank() == 0 ? 1.0 : 2.0, ring);
      return new Out(flat.toFloatVector(), loss);
    });
    for (Out r : results) {
      assertArrayEquals(new float[] {r.values()[0], 4, 6}, r.values());
      assertEquals(1.5, r.loss(), 0.0);
    }
  }

  /**
   * Two workers, each with half of every batch and two micro-batches, take the same steps as one trainer with the
   * whole batch: same losses, same weights, and the two replicas stay bit-identical.
   */
  @Test
  void twoWorkersOnHalfBatchesTrainLikeOneOnTheWholeBatch() throws Exception {
    OptimizerSettings settings = new OptimizerSettings(1e-2, 1e-3, 2, 10, 0.9, 0.99, 1e-8, 0.1, 1.0, 2);
    int steps = 4;
    List<List<int[][]>> batches = new ArrayList<>(); // per step: two micro-batches of 4 rows
    for (int s = 0; s < steps; s++) {
      batches.add(List.of(randomRows(4, TINY.blockSize() + 1, TINY.vocabSize(), 10 * s),
          randomRows(4, TINY.blockSize() + 1, TINY.vocabSize(), 10 * s + 1)));
    }
    Trainer single = new Trainer(new GptEngine(TINY), settings);
    double[] singleLosses = new double[steps];
    for (int s = 0; s < steps; s++) {
      singleLosses[s] = single.step(batches.get(s)).loss();
    }

    record Replica(double[] losses, float[] weights) {}
    List<Replica> replicas = RingAllReduceTest.onRing(2, Duration.ofSeconds(60), ring -> {
      Trainer trainer = new Trainer(new GptEngine(TINY), settings);
      double[] losses = new double[steps];
      for (int s = 0; s < steps; s++) {
        int from = 2 * ring.rank();
        List<int[][]> mine = batches.get(s).stream().map(b -> Arrays.copyOfRange(b, from, from + 2)).toList();
        losses[s] = trainer.step(mine, ring).loss();
      }
      return new Replica(losses, trainer.engine().parameters().trainableValues().toFloatVector());
    });

    for (int s = 0; s < steps; s++) {
      assertEquals(singleLosses[s], replicas.get(0).losses()[s], 1e-5 * singleLosses[s], "step " + s);
    }
    assertArrayEquals(replicas.get(0).weights(), replicas.get(1).weights(), "replicas differ");
    float[] expected = single.engine().parameters().trainableValues().toFloatVector();
    float[] actual = replicas.get(0).weights();
    for (int i = 0; i < expected.length; i++) {
      assertEquals(expected[i], actual[i], 1e-4, "parameter scalar " + i);
    }
  }
}
