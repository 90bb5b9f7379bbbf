package io.llmforge.trainer.pretrain;

import io.llmforge.trainer.checkpoint.Checkpoint;
import io.llmforge.trainer.data.TestShards;
import io.llmforge.trainer.metrics.LossCurve;
import io.llmforge.trainer.metrics.MetricsLog;
import io.llmforge.trainer.checkpoint.Runs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.llmforge.pipeline.config.ConfigError;
import io.llmforge.pipeline.config.JobConfig;
import io.llmforge.pipeline.spark.JobStats;
import io.llmforge.pipeline.spark.SparkSessions;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Data-parallel pretraining on a local Spark (two barrier tasks in this JVM, ring over loopback TCP) follows
 * single-process training on the same global batch step for step, and resumes from its own checkpoints.
 */
class DistributedPretrainingTest {
  /** Relative tolerance on losses: only float summation order differs between the two runs. */
  static final double TOLERANCE = 1e-4;

  static PretrainSettings settings(Path shards, Path out, int maxSteps, int batchSize, int workers) {
    return PretrainSettings.from(JobConfig.load("pretrain", List.of("pretrain"), List.of(), List.of(
        "pretrain.shards=\"" + shards + "\"", "pretrain.output=\"" + out + "\"",
        "pretrain.model.n-layer=1", "pretrain.model.n-head=2", "pretrain.model.n-embd=8",
        "pretrain.batch-size=" + batchSize, "pretrain.grad-accum-steps=2", "pretrain.max-steps=" + maxSteps,
        "pretrain.optimizer.warmup-steps=2", "pretrain.optimizer.decay-steps=8",
        "pretrain.optimizer.learning-rate=5e-3", "pretrain.eval-interval=3", "pretrain.eval-batches=1",
        "pretrain.checkpoint-interval=3", "pretrain.log-interval=1", "pretrain.distributed.workers=" + workers)));
  }

  static PrintStream quiet() {
    return new PrintStream(new ByteArrayOutputStream());
  }

  /** "step/train" and "step/val" -> loss, sorted, from metrics.jsonl. */
  static Map<String, Double> losses(Path out) {
    Map<String, Double> losses = new TreeMap<>();
    PretrainingTest.losses(out).forEach((k, v) -> losses.put(k, ((Number) v).doubleValue()));
    return losses;
  }

  /** Asserts the same steps with losses within {@link #TOLERANCE}; returns the largest relative difference. */
  static double assertSameTrajectory(Path expected, Path actual) {
    Map<String, Double> a = losses(expected);
    Map<String, Double> b = losses(actual);
    assertEquals(a.keySet(), b.keySet());
    double worst = 0;
    StringBuilder table = new StringBuilder("step       single      distributed  rel.diff\n");
    for (String k : a.keySet()) {
      double diff = Math.abs(a.get(k) - b.get(k)) / Math.abs(a.get(k));
      worst = Math.max(worst, diff);
      table.append(String.format(Locale.ROOT, "%-9s  %.8f  %.8f  %.2e%n", k, a.get(k), b.get(k), diff));
    }
    System.out.print(table);
    assertTrue(worst < TOLERANCE, "largest relative loss difference " + worst + "\n" + table);
    return worst;
  }

  /** Same step, tokens and data cursor; weights within float rounding. */
  static void assertSameState(Path expected, Path actual) {
    assertEquals(Runs.state(expected), Runs.state(actual));
    Runs.assertSameWeights(expected, actual, 1e-4);
  }

  @Test
  void twoWorkersFollowTheSingleProcessAndResume(@TempDir Path dir) throws Exception {
    Path shards = dir.resolve("shards");
    TestShards.write(shards, PretrainingTest.SEQ, PretrainingTest.VOCAB, 5, 4);

    // Reference: one process, micro-batches of 4 rows = 2 workers x 2 rows.
    Path single = dir.resolve("single");
    Pretraining.run(settings(shards, single, 6, 4, 0), new org.apache.hadoop.conf.Configuration(), quiet());

    SparkSession spark = SparkSessions.getOrCreate("llmforge-trainer-test", "local[2]", 2);
    try {
      Path distributed = dir.resolve("distributed");
      JobStats first = DistributedPretraining.run(spark, settings(shards, distributed, 3, 2, 2), quiet());
      assertEquals(3L, ((Number) first.get("steps")).longValue());
      assertEquals(2, ((Number) first.get("workers")).intValue());
      // As if killed after logging step 4 but before its checkpoint: the resumed run drops that line.
      new MetricsLog(distributed.resolve(MetricsLog.FILE)).append(Map.of("step", 4, "loss", 99.0));
      JobStats resumed = DistributedPretraining.run(spark, settings(shards, distributed, 6, 2, 2), quiet());
      assertEquals(6L, ((Number) resumed.get("steps")).longValue());

      assertSameTrajectory(single, distributed);
      assertSameState(single, distributed);
      for (String f : List.of("_SUCCESS", "stats.json", LossCurve.FILE, MetricsLog.FILE, Checkpoint.LATEST)) {
        assertTrue(Files.exists(distributed.resolve(f)), f);
      }
      // A finished run is skipped, in this mode too.
      assertEquals(true, DistributedPretraining.run(spark, settings(shards, distributed, 6, 2, 2), quiet())
          .get("skipped"));
    } finally {
      spark.stop();
    }
  }

  @Test
  void moreWorkersThanLocalSlotsFailAtOnceNamingTheKey() {
    ConfigError e = assertThrows(ConfigError.class, () -> DistributedPretraining.requireSlots("local[2]", 3));
    assertTrue(e.getMessage().contains("pretrain.distributed.workers"), e.getMessage());
    DistributedPretraining.requireSlots("local[*]", 1);
    DistributedPretraining.requireSlots("local", 1);
    DistributedPretraining.requireSlots("spark://127.0.0.1:7077", 64); // a cluster checks for itself
    assertThrows(ConfigError.class, () -> DistributedPretraining.requireSlots("local", 2));
  }
}
