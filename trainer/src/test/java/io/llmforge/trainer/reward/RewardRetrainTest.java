package io.llmforge.trainer.reward;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.llmforge.pipeline.spark.JobStats;
import io.llmforge.trainer.sft.SftFixtures;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The scheduled retraining, run after run on one reward-model folder as an hourly cron job would. */
class RewardRetrainTest {
  static final PrintStream QUIET = new PrintStream(new ByteArrayOutputStream());
  static final Instant DAY1 = Instant.parse("2026-11-01T00:00:00Z");

  static JobStats retrain(RetrainSettings r) {
    return RewardRetrainJob.run(SftFixtures.spark(), r, QUIET);
  }

  @Test
  void batchesGiveVersionsWithGrowingWatermarksAndABadBatchIsTrainedButNotPromoted(@TempDir Path dir)
      throws Exception {
    Path base = SftFixtures.base(dir);
    Path inbox = dir.resolve("inbox");
    Path rm = dir.resolve("rm");
    RetrainSettings r = RewardFixtures.retrain(base, rm, inbox, "rm-train.epochs=3");
    RewardVersions versions = new RewardVersions(rm);

    DemoPreferences.write(inbox.resolve("batch-1.jsonl"), 150, 1, DAY1, false);
    assertEquals("promoted", retrain(r).get("decision"));
    assertEquals(1, versions.current().orElseThrow());

    JobStats idle = retrain(r);
    assertEquals("nothing_to_do", idle.get("decision"), "no new data: nothing to do");
    assertEquals(0L, idle.get("new_pairs"));
    assertEquals(List.of(1), versions.versions());

    DemoPreferences.write(inbox.resolve("batch-2.jsonl"), 30, 2, DAY1.plusSeconds(86_400), false);
    assertEquals("nothing_to_do", retrain(r).get("decision"), "30 new pairs < min-new-pairs 50");

    DemoPreferences.write(inbox.resolve("batch-3.jsonl"), 100, 3, DAY1.plusSeconds(2 * 86_400), false);
    JobStats second = retrain(r);
    assertEquals("promoted", second.get("decision"), second.toJson());
    assertEquals(2, versions.current().orElseThrow());
    assertTrue(versions.watermark(2) > versions.watermark(1));
    JsonNode manifest = versions.read(2, RewardVersions.DATA_MANIFEST);
    assertEquals(3, manifest.path("inputs").size(), "every inbox file is in the data manifest");
    assertTrue(manifest.path("replayed_pairs").asInt() > 0, "older pairs are replayed: " + manifest);
    JsonNode metrics = versions.read(2, RewardVersions.METRICS);
    assertTrue(metrics.has("newest") && metrics.path("heldout").has("previous"), metrics.toPrettyString());

    DemoPreferences.write(inbox.resolve("batch-4.jsonl"), 150, 4, DAY1.plusSeconds(3 * 86_400), true);
    JobStats flipped = retrain(r);
    assertEquals("kept", flipped.get("decision"), flipped.toJson());
    assertEquals(2, versions.current().orElseThrow(), "current stays on v2");
    assertTrue(versions.finished(3) && versions.watermark(3) > versions.watermark(2), "v3 was trained and kept");
    JsonNode decision = new ObjectMapper().readTree(Files.readString(versions.folder(3)
        .resolve(RewardRetrainJob.DECISION)));
    assertTrue(decision.path("why").asText().contains("v2 stays current"), decision.toString());
    assertEquals("nothing_to_do", retrain(r).get("decision"), "a rejected batch is not retried every hour");

    DemoPreferences.write(inbox.resolve("batch-5.jsonl"), 100, 5, DAY1.plusSeconds(4 * 86_400), false);
    JobStats fourth = retrain(r);
    assertEquals("promoted", fourth.get("decision"), "good data after a bad batch is promoted: " + fourth.toJson());
    assertEquals(4, versions.current().orElseThrow());
    JsonNode plan = new ObjectMapper().readTree(Files.readString(versions.folder(4).resolve(RewardTrainJob.PLAN)));
    assertEquals(versions.watermark(2), plan.path("replay_up_to_ms").asLong(),
        "v4 replays only what v2, the promoted version, had seen: the flipped batch is left out");

    List<String> history = Files.readAllLines(rm.resolve(RewardVersions.HISTORY));
    assertEquals(4, history.size(), String.join("\n", history));
    assertTrue(history.get(2).contains("\"decision\":\"kept\""), history.get(2));
  }

  @Test
  void twoConcurrentRunsDoNotOverlap(@TempDir Path dir) throws Exception {
    Path base = SftFixtures.base(dir);
    Path inbox = dir.resolve("inbox");
    Path rm = dir.resolve("rm");
    RetrainSettings r = RewardFixtures.retrain(base, rm, inbox, "rm-train.max-steps=20");
    DemoPreferences.write(inbox.resolve("batch-1.jsonl"), 100, 1, DAY1, false);
    CompletableFuture<JobStats> first = CompletableFuture.supplyAsync(() -> retrain(r));
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
    while (RetrainLock.holder(rm).isEmpty() && System.nanoTime() < deadline) {
      Thread.sleep(20);
    }
    assertTrue(RetrainLock.holder(rm).isPresent(), "the first run holds the lock");
    JobStats second = retrain(r);
    assertEquals("locked", second.get("decision"), "the second run exits at once: " + second.toJson());
    assertEquals("promoted", first.get(5, TimeUnit.MINUTES).get("decision"));
    assertFalse(RetrainLock.holder(rm).isPresent(), "the lock is released");
    assertEquals("nothing_to_do", retrain(r).get("decision"), "and the next run gets it");
    assertEquals(List.of(1), new RewardVersions(rm).versions());
  }
}
