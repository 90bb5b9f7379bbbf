package io.llmforge.trainer.checkpoint;

import io.llmforge.trainer.data.TestShards;
import io.llmforge.trainer.data.TokenBatches;
import io.llmforge.trainer.engine.GptConfig;
import io.llmforge.trainer.optim.AdamW;
import io.llmforge.trainer.optim.OptimizerSettings;
import io.llmforge.trainer.pretrain.Trainer;
import io.llmforge.trainer.reference.GptModel;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.llmforge.pipeline.shards.ShardManifest;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.hadoop.conf.Configuration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.ndarray.INDArray;

class CheckpointTest {
  static final GptConfig CONFIG = new GptConfig(31, 6, 1, 2, 8, 0.0, 3);
  static final OptimizerSettings OPTIM = new OptimizerSettings(5e-3, 5e-4, 2, 10, 0.9, 0.99, 1e-8, 0.1, 1.0, 1);
  static final int BATCH = 2;

  /** Trains {@code steps} steps from the trainer's state and the batches' cursor. */
  static void train(Trainer trainer, TokenBatches batches, int steps) {
    for (int i = 0; i < steps; i++) {
      trainer.step(List.<int[][]>of(batches.next()));
    }
  }

  static Map<String, INDArray> snapshot(GptModel model) {
    Map<String, INDArray> copy = new LinkedHashMap<>();
    model.parameterNames().forEach(p -> copy.put(p, model.parameter(p).dup()));
    return copy;
  }

  @Test
  void resumingFromACheckpointContinuesExactly(@TempDir Path dir) throws Exception {
    Configuration conf = new Configuration();
    Path shards = dir.resolve("shards");
    ShardManifest manifest = TestShards.write(shards, CONFIG.blockSize(), CONFIG.vocabSize(), 5, 4);
    Path ckpt = dir.resolve("ckpt");

    // Uninterrupted run: 3 steps, checkpoint, 3 more (crossing a shard boundary and an epoch).
    GptModel model = new GptModel(CONFIG);
    Trainer trainer = new Trainer(model, OPTIM);
    Map<String, INDArray> expected;
    try (TokenBatches batches = new TokenBatches(conf, shards.toString(), manifest, ShardManifest.TRAIN, BATCH,
        TokenBatches.Cursor.START)) {
      train(trainer, batches, 3);
      Checkpoint.save(ckpt, model, trainer.optimizer(),
          new TrainerState(trainer.step(), 3L * BATCH * CONFIG.blockSize(), batches.cursor(), CONFIG.seed()));
      train(trainer, batches, 3);
      expected = snapshot(model);
    }

    // "Killed" and restarted: a fresh process state rebuilt only from the checkpoint folder.
    assertTrue(Checkpoint.exists(ckpt));
    GptModel restored = new GptModel(Checkpoint.readConfig(ckpt));
    Trainer resumed = new Trainer(restored, OPTIM);
    TrainerState state = Checkpoint.restore(ckpt, restored, resumed.optimizer());
    assertEquals(3, state.step());
    assertEquals(3, resumed.step());
    assertEquals(3L * BATCH * CONFIG.blockSize(), state.tokensSeen());
    try (TokenBatches batches = new TokenBatches(conf, shards.toString(), manifest, ShardManifest.TRAIN, BATCH,
        state.cursor())) {
      train(resumed, batches, 3);
    }
    for (String p : restored.parameterNames()) {
      assertTrue(expected.get(p).equalsWithEps(restored.parameter(p), 0.0), p + " differs after resume");
    }
  }

  @Test
  void savingAgainReplacesTheCheckpointAndLeavesNoTemporaries(@TempDir Path dir) {
    GptModel model = new GptModel(CONFIG);
    AdamW adam = new AdamW(OPTIM);
    Path ckpt = dir.resolve("ckpt");
    Checkpoint.save(ckpt, model, adam, new TrainerState(0, 0, TokenBatches.Cursor.START, 3));
    Checkpoint.save(ckpt, model, adam, new TrainerState(7, 99, new TokenBatches.Cursor(1, 2, 3), 3));
    assertEquals(new TrainerState(7, 99, new TokenBatches.Cursor(1, 2, 3), 3), Checkpoint.readState(ckpt));
    assertEquals(CONFIG, Checkpoint.readConfig(ckpt));
    assertEquals(1, dir.toFile().list().length, "temporaries left: " + String.join(",", dir.toFile().list()));
  }

  @Test
  void refusesWeightsOfAnotherConfig(@TempDir Path dir) {
    Path ckpt = dir.resolve("ckpt");
    Checkpoint.save(ckpt, new GptModel(CONFIG), new AdamW(OPTIM), new TrainerState(0, 0, TokenBatches.Cursor.START,
        3));
    GptModel other = new GptModel(new GptConfig(31, 6, 1, 2, 16, 0.0, 3));
    assertThrows(IllegalArgumentException.class, () -> Checkpoint.loadWeights(ckpt, other));
    assertFalse(Checkpoint.exists(dir.resolve("missing")));
  }
}
