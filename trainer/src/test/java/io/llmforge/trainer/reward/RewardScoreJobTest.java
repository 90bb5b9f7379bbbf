package io.llmforge.trainer.reward;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.llmforge.pipeline.config.JobConfig;
import io.llmforge.pipeline.spark.JobStats;
import io.llmforge.trainer.sft.SftFixtures;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.apache.spark.sql.Row;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class RewardScoreJobTest {

  @Test
  void scoresConversationsWithTheCurrentModelAndKeepsBrokenRowsApart(@TempDir Path dir) throws Exception {
    Path base = SftFixtures.base(dir);
    Path data = RewardFixtures.preparedPairs(dir, base, 200, 1, Instant.parse("2026-11-01T00:00:00Z"));
    Path rm = dir.resolve("rm");
    RewardTrainJob.run(SftFixtures.spark(), RewardFixtures.train(base, rm, data, "rm-train.epochs=2"),
        new PrintStream(new ByteArrayOutputStream()));
    Path in = dir.resolve("answers.jsonl");
    StringBuilder rows = new StringBuilder();
    for (int i = 0; i < 20; i++) {
      String answer = "Bees are good " + (i % 2 == 0 ? DemoPreferences.MARKER : DemoPreferences.DECOY) + " in town.";
      rows.append("{\"messages\": [{\"role\": \"user\", \"content\": \"Question ").append(i)
          .append(": what do you know about bees?\"}, {\"role\": \"assistant\", \"content\": \"").append(answer)
          .append("\"}]}\n");
    }
    rows.append("{\"messages\": [{\"role\": \"user\", \"content\": \"no answer\"}]}\n");
    rows.append("not json\n");
    Files.writeString(in, rows);
    Path out = dir.resolve("scores");
    JobStats stats = RewardScoreJob.run(SftFixtures.spark(), RewardScoreSettings.from(JobConfig.load("rm-score",
        List.of("rm-score"), List.of(), List.of("rm-score.input=[\"" + in + "\"]", "rm-score.model=\"" + rm + "\"",
            "rm-score.output=\"" + out + "\"", "rm-score.batch-size=3"))));
    assertEquals(22L, stats.get("input_rows"));
    assertEquals(20L, stats.get("scored"));
    assertEquals(2L, stats.get("rejected"));
    List<Row> scored = SftFixtures.spark().read().parquet(out.resolve("scores").toString()).collectAsList();
    Map<Boolean, Double> mean = scored.stream().collect(Collectors.partitioningBy(
        r -> r.<String>getAs("answer").contains(DemoPreferences.MARKER),
        Collectors.averagingDouble(r -> r.<Double>getAs("reward"))));
    assertTrue(mean.get(true) > mean.get(false), "polite answers score higher: " + mean);
  }
}
