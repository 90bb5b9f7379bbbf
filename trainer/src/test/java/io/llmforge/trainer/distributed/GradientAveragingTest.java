package io.llmforge.trainer.distributed;

import io.llmforge.trainer.engine.GptConfig;
import io.llmforge.trainer.optim.OptimizerSettings;
import io.llmforge.trainer.pretrain.Trainer;
import io.llmforge.trainer.reference.GptModel;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

class GradientAveragingTest {
  static final GptConfig TINY = new GptConfig(13, 8, 1, 2, 16, 0.0, 1);

  @Test
  void packAndUnpackKeepShapesOrderAndLoss() {
    Map<String, INDArray> g = new LinkedHashMap<>();
    g.put("b", Nd4j.createFromArray(new float[][] {{1, 2, 3}, {4, 5, 6}}));
    g.put("a", Nd4j.createFromArray(new float[] {7, 8}));
    List<String> order = List.of("a", "b");
    float[] packed = GradientAveraging.pack(new Trainer.Gradients(g, 2.5), order);
    assertArrayEquals(new float[] {7, 8, 1, 2, 3, 4, 5, 6, 2.5f}, packed);

    for (int i = 0; i < packed.length; i++) {
      packed[i] *= 10;
    }
    Trainer.Gradients back = GradientAveraging.unpack(packed, new Trainer.Gradients(g, 2.5), order);
    assertEquals(25.0, back.loss(), 0.0);
    assertSame(g.get("b"), back.byParameter().get("b"), "written back in place");
    assertArrayEquals(new long[] {2, 3}, g.get("b").shape());
    assertArrayEquals(new float[] {10, 20, 30, 40, 50, 60}, g.get("b").reshape(-1).toFloatVector());
    assertArrayEquals(new float[] {70, 80}, g.get("a").toFloatVector());
  }

  @Test
  void averagesGradientsAndLossOverTheGroup() throws Exception {
    List<Trainer.Gradients> results = RingAllReduceTest.onRing(2, Duration.ofSeconds(30), ring -> {
      Map<String, INDArray> g = new LinkedHashMap<>();
      g.put("w", Nd4j.createFromArray(ring.rank() == 0 ? new float[] {1, 2} : new float[] {3, 6}));
      return GradientAveraging.average(new Trainer.Gradients(g, ring.rank() == 0 ? 1.0 : 2.0), List.of("w"), ring);
    });
    for (Trainer.Gradients r : results) {
      assertArrayEquals(new float[] {2, 4}, r.byParameter().get("w").toFloatVector());
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
      batches.add(List.of(GptModelTest.randomRows(4, TINY.blockSize() + 1, TINY.vocabSize(), 10 * s),
          GptModelTest.randomRows(4, TINY.blockSize() + 1, TINY.vocabSize(), 10 * s + 1)));
    }
    Trainer single = new Trainer(new GptModel(TINY), settings);
    double[] singleLosses = new double[steps];
    for (int s = 0; s < steps; s++) {
      singleLosses[s] = single.step(batches.get(s)).loss();
    }

    record Replica(double[] losses, Map<String, float[]> weights) {}
    List<Replica> replicas = RingAllReduceTest.onRing(2, Duration.ofSeconds(60), ring -> {
      Trainer trainer = new Trainer(new GptModel(TINY), settings);
      double[] losses = new double[steps];
      for (int s = 0; s < steps; s++) {
        int from = 2 * ring.rank();
        List<int[][]> mine = batches.get(s).stream().map(b -> Arrays.copyOfRange(b, from, from + 2)).toList();
        losses[s] = trainer.step(mine, ring).loss();
      }
      Map<String, float[]> weights = new LinkedHashMap<>();
      for (String p : trainer.model().parameterNames()) {
        weights.put(p, trainer.model().parameter(p).reshape(-1).toFloatVector());
      }
      return new Replica(losses, weights);
    });

    for (int s = 0; s < steps; s++) {
      assertEquals(singleLosses[s], replicas.get(0).losses()[s], 1e-5 * singleLosses[s], "step " + s);
    }
    for (String p : single.model().parameterNames()) {
      assertArrayEquals(replicas.get(0).weights().get(p), replicas.get(1).weights().get(p), p + " differs between "
          + "replicas");
      float[] expected = single.model().parameter(p).reshape(-1).toFloatVector();
      float[] actual = replicas.get(0).weights().get(p);
      for (int i = 0; i < expected.length; i++) {
        assertEquals(expected[i], actual[i], 1e-4, p + "[" + i + "]");
      }
    }
    INDArray initial = new GptModel(TINY).parameter("wte");
    double moved = single.model().parameter("wte").sub(initial).amaxNumber().doubleValue();
    assertTrue(moved > 1e-3, "the steps changed the weights (max change " + moved + ")");
  }
}
