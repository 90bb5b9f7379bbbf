package io.llmforge.trainer.pretrain;

import io.llmforge.trainer.checkpoint.Checkpoint;
import io.llmforge.trainer.data.TestShards;
import io.llmforge.trainer.metrics.LossCurve;
import io.llmforge.trainer.metrics.MetricsLog;
import io.llmforge.trainer.checkpoint.Runs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.llmforge.pipeline.config.ConfigError;
import io.llmforge.pipeline.config.JobConfig;
import io.llmforge.pipeline.spark.JobStats;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.apache.hadoop.conf.Configuration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.ndarray.INDArray;

class PretrainingTest {
  static final int VOCAB = 31;
  static final int SEQ = 6;

  static PretrainSettings settings(Path shards, Path out, int maxSteps) {
    return PretrainSettings.from(JobConfig.load("pretrain", List.of("pretrain"), List.of(), List.of(
        "pretrain.shards=\"" + shards + "\"", "pretrain.output=\"" + out + "\"",
        "pretrain.model.n-layer=1", "pretrain.model.n-head=2", "pretrain.model.n-embd=8",
        "pretrain.batch-size=2", "pretrain.max-steps=" + maxSteps, "pretrain.optimizer.warmup-steps=2",
        "pretrain.optimizer.decay-steps=6", "pretrain.optimizer.learning-rate=5e-3",
        "pretrain.eval-interval=3", "pretrain.eval-batches=1", "pretrain.checkpoint-interval=3",
        "pretrain.log-interval=1")));
  }

  static JobStats run(PretrainSettings s) {
    return Pretraining.run(s, new Configuration(), new PrintStream(new ByteArrayOutputStream()));
  }

  /** step -> loss (train lines) and step -> val loss, without the timing fields that differ between runs. */
  static Map<String, Object> losses(Path out) {
    return new MetricsLog(out.resolve(MetricsLog.FILE)).read().stream().collect(Collectors.toMap(
        m -> m.get("step") + (m.containsKey("val_loss") ? "/val" : "/train"),
        m -> m.containsKey("val_loss") ? m.get("val_loss") : m.get("loss")));
  }

  @Test
  void interruptedAndResumedRunEqualsUninterruptedRun(@TempDir Path dir) throws Exception {
    Path shards = dir.resolve("shards");
    TestShards.write(shards, SEQ, VOCAB, 5, 4);

    Path straight = dir.resolve("straight");
    JobStats a = run(settings(shards, straight, 6));
    assertEquals(6L, a.get("steps"));

    Path resumed = dir.resolve("resumed");
    run(settings(shards, resumed, 3));
    // As if killed after logging step 4 but before the next checkpoint: resume drops that line.
    new MetricsLog(resumed.resolve(MetricsLog.FILE)).append(Map.of("step", 4, "loss", 99.0));
    JobStats b = run(settings(shards, resumed, 6));
    assertEquals(6L, b.get("steps"));

    assertEquals(losses(straight), losses(resumed));
    Runs.assertSameWeights(straight, resumed, 0.0);
    assertEquals(Runs.state(straight), Runs.state(resumed));
    for (String f : List.of("_SUCCESS", "stats.json", LossCurve.FILE, MetricsLog.FILE)) {
      assertTrue(Files.exists(resumed.resolve(f)), f);
    }
    assertTrue(Files.readString(resumed.resolve(LossCurve.FILE)).startsWith("<svg"));
    // Finished: a third start is skipped.
    assertEquals(true, run(settings(shards, resumed, 6)).get("skipped"));
  }

  @Test
  void badSettingsNameTheKey() {
    ConfigError e = org.junit.jupiter.api.Assertions.assertThrows(ConfigError.class, () -> PretrainSettings.from(
        JobConfig.load("pretrain", List.of("pretrain"), List.of(), List.of("pretrain.shards=x",
            "pretrain.output=y", "pretrain.model.n-embd=10", "pretrain.model.n-head=4"))));
    assertTrue(e.getMessage().contains("n-embd"), e.getMessage());
  }
}
