package io.llmforge.trainer.bench;

import io.llmforge.trainer.engine.GptConfig;
import io.llmforge.trainer.optim.OptimizerSettings;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.util.Random;
import org.junit.jupiter.api.Test;

class TrainingBenchmarkTest {
  @Test
  void learnsARepetitiveText() {
    String text = "to be or not to be, that is the question. ".repeat(40);
    TrainingBenchmark bench = TrainingBenchmark.charLevel(text);
    assertEquals(text.chars().distinct().count(), bench.vocabSize());
    GptConfig config = new GptConfig(bench.vocabSize(), 8, 1, 2, 16, 0.0, 1);
    OptimizerSettings optim = new OptimizerSettings(1e-2, 1e-3, 5, 40, 0.9, 0.99, 1e-8, 0.1, 1.0, 1);
    TrainingBenchmark.Result r = bench.run(config, optim, 8, 40, 20, 2, 0,
        new PrintStream(new ByteArrayOutputStream()));
    double initial = r.losses().get(0)[1];
    assertEquals(Math.log(bench.vocabSize()), initial, 0.3);
    assertTrue(r.valLoss() < 0.7 * initial, initial + " -> " + r.valLoss());
    assertEquals(3, r.losses().size()); // steps 0, 20, 40
  }

  @Test
  void batchesAreWindowsOfTheData() {
    int[] data = new int[100];
    for (int i = 0; i < data.length; i++) {
      data[i] = i;
    }
    for (int[] row : TrainingBenchmark.batch(data, 5, 7, new Random(3))) {
      assertEquals(8, row.length);
      for (int i = 1; i < row.length; i++) {
        assertEquals(row[i - 1] + 1, row[i]);
      }
    }
  }
}
