package io.llmforge.trainer.reward;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.llmforge.pipeline.spark.JobStats;
import io.llmforge.trainer.metrics.MetricsLog;
import io.llmforge.trainer.sft.SftFixtures;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** rm-train's data-parallel path on a real local Spark barrier stage follows the single process step for step. */
class DistributedRewardTest {
  static final PrintStream QUIET = new PrintStream(new ByteArrayOutputStream());

  @Test
  void twoWorkersFollowTheSingleProcess(@TempDir Path dir) throws Exception {
    Path base = SftFixtures.base(dir);
    Path data = RewardFixtures.preparedPairs(dir, base, 120, 1, Instant.parse("2026-11-01T00:00:00Z"));
    JobStats single = RewardTrainJob.run(SftFixtures.spark(), RewardFixtures.train(base, dir.resolve("single"), data,
        "rm-train.max-steps=6", "rm-train.log-interval=1"), QUIET);
    JobStats dp = RewardTrainJob.run(SftFixtures.spark(), RewardFixtures.train(base, dir.resolve("dp"), data,
        "rm-train.max-steps=6", "rm-train.log-interval=1", "rm-train.batch-size=4", "rm-train.distributed.workers=2"), QUIET);
    assertEquals(2, ((List<?>) dp.get("executors")).size());
    List<Map<String, Object>> a = lines(dir.resolve("single/v1"));
    List<Map<String, Object>> b = lines(dir.resolve("dp/v1"));
    assertEquals(a.size(), b.size());
    for (int i = 0; i < a.size(); i++) {
      for (String key : List.of("loss", "rewards/margins", "rewards/accuracies")) {
        double x = ((Number) a.get(i).get(key)).doubleValue();
        double y = ((Number) b.get(i).get(key)).doubleValue();
        assertEquals(x, y, 1e-4 * Math.max(1, Math.abs(x)), key + " at step " + a.get(i).get("step"));
      }
    }
    assertEquals(((Number) single.get("heldout_accuracy")).doubleValue(),
        ((Number) dp.get("heldout_accuracy")).doubleValue(), 1e-3);
  }

  private static List<Map<String, Object>> lines(Path run) {
    return new MetricsLog(run.resolve(MetricsLog.FILE)).read().stream().filter(m -> m.containsKey("loss")).toList();
  }
}
