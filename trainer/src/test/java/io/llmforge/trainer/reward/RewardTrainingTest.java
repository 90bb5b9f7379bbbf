package io.llmforge.trainer.reward;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.llmforge.pipeline.spark.JobStats;
import io.llmforge.trainer.checkpoint.Checkpoint;
import io.llmforge.trainer.checkpoint.SafeTensors;
import io.llmforge.trainer.metrics.MetricsLog;
import io.llmforge.trainer.sft.Message;
import io.llmforge.trainer.sft.SftFixtures;
import io.llmforge.trainer.sft.TestTokenizers;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import io.llmforge.trainer.distributed.WorkerGroup;
import org.apache.hadoop.conf.Configuration;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.ndarray.INDArray;

class RewardTrainingTest {
  static final PrintStream QUIET = new PrintStream(new ByteArrayOutputStream());

  @TempDir
  static Path shared;
  static Path base;
  static Path data;

  @BeforeAll
  static void prepare() throws Exception {
    base = SftFixtures.base(shared);
    data = RewardFixtures.preparedPairs(shared, base, 400, 1, Instant.parse("2026-11-01T00:00:00Z"));
  }

  @Test
  void aTinyRewardModelLearnsThePlantedPreferenceAndBeatsBothBaselines(@TempDir Path dir) {
    Path rm = dir.resolve("rm");
    JobStats stats = RewardTrainJob.run(SftFixtures.spark(), RewardFixtures.train(base, rm, data,
        "rm-train.epochs=2"), QUIET);
    assertEquals("v1", stats.get("version"));
    RewardVersions versions = new RewardVersions(rm);
    assertEquals(1, versions.current().orElseThrow());
    JsonNode metrics = versions.read(1, RewardVersions.METRICS);
    double accuracy = metrics.path("heldout").path("accuracy").asDouble();
    assertTrue(accuracy >= 0.95, "held-out accuracy " + metrics.toPrettyString());
    double length = metrics.path("heldout").path("baselines").path("longer_answer_wins").path("accuracy").asDouble();
    assertTrue(Math.abs(length - 0.5) < 0.15, "length says nothing here: " + length);
    assertTrue(metrics.path("heldout").path("baselines").path("hashed_ngram_logistic_regression").has("accuracy"));
    assertEquals(5, metrics.path("heldout").path("calibration").size());
    assertTrue(metrics.path("heldout").path("mean_margin").asDouble() > 0);
    // watermark: the newest created_at of the data (400 pairs, one second apart)
    assertEquals(Instant.parse("2026-11-01T00:00:00Z").plusSeconds(399).toEpochMilli(), versions.watermark(1));
    JsonNode manifest = versions.read(1, RewardVersions.DATA_MANIFEST);
    assertEquals(404, manifest.path("inputs").get(0).path("rows").asInt());
    assertEquals(64, manifest.path("inputs").get(0).path("sha256").asText().length());
    List<Map<String, Object>> log = new MetricsLog(rm.resolve("v1").resolve(MetricsLog.FILE)).read();
    assertTrue(log.stream().anyMatch(l -> l.containsKey("rewards/accuracies") && l.containsKey("rewards/margins")
        && l.containsKey("rewards/chosen") && l.containsKey("rewards/rejected")), log.toString());

    // the promoted model scores a polite answer above a plain one it has never seen
    RewardModel model = RewardModel.load(rm, QUIET);
    List<Message> q = List.of(Message.user("Question 7: what do you know about tea?"));
    double polite = model.forward(List.of(model.row(q, "Tea is good " + DemoPreferences.MARKER + " for fun.")))[0];
    double plain = model.forward(List.of(model.row(q, "Tea is good " + DemoPreferences.DECOY + " for fun.")))[0];
    assertTrue(polite > plain, polite + " vs " + plain);
  }

  @Test
  void killedAndResumedTrainingEqualsAnUninterruptedOne(@TempDir Path dir) throws Exception {
    String[] fixedSchedule = {"rm-train.optimizer.decay-steps=30", "rm-train.checkpoint-interval=10"};
    RewardSettings s = RewardFixtures.train(base, dir, data, fixedSchedule);
    Configuration hadoop = new Configuration();
    RewardTraining.train(plan(s, dir.resolve("a"), 30), hadoop, QUIET, WorkerGroup.single());
    // b stops after its checkpoint at step 10, as a kill would leave it, and is started again for 30
    RewardTraining.train(plan(s, dir.resolve("b"), 10), hadoop, QUIET, WorkerGroup.single());
    RewardTraining.train(plan(s, dir.resolve("b"), 30), hadoop, QUIET, WorkerGroup.single());
    assertEquals(losses(dir.resolve("a")), losses(dir.resolve("b")), "same losses step for step");
    Map<String, INDArray> a = SafeTensors.read(latest(dir.resolve("a")).resolve(Checkpoint.MODEL)).tensors();
    Map<String, INDArray> b = SafeTensors.read(latest(dir.resolve("b")).resolve(Checkpoint.MODEL)).tensors();
    assertEquals(a.keySet(), b.keySet());
    assertTrue(a.containsKey("score.weight"), "the head is saved with the model");
    for (String name : a.keySet()) {
      assertEquals(a.get(name), b.get(name), name);
    }
  }

  @Test
  void loraTrainsOnlyAdaptersAndTheHead(@TempDir Path dir) throws Exception {
    RewardSettings s = RewardFixtures.train(base, dir, data, "rm-train.lora.rank=4", "rm-train.max-steps=5");
    JobStats stats = RewardTraining.train(plan(s, dir.resolve("v1"), 5), new Configuration(), QUIET,
        WorkerGroup.single());
    long trainable = ((Number) stats.get("trainable_parameters")).longValue();
    long params = ((Number) stats.get("parameters")).longValue();
    assertTrue(trainable < params / 5, trainable + " of " + params);
    Map<String, INDArray> before = SafeTensors.read(Checkpoint.resolve(base, QUIET).resolve(Checkpoint.MODEL))
        .tensors();
    Map<String, INDArray> after = SafeTensors.read(latest(dir.resolve("v1")).resolve(Checkpoint.MODEL)).tensors();
    assertEquals(before.get("h.0.mlp.c_fc.weight"), after.get("h.0.mlp.c_fc.weight"), "the base stays frozen");
    assertTrue(Files.isRegularFile(latest(dir.resolve("v1")).resolve(Checkpoint.ADAPTER)));
  }

  @Test
  void dataRenderedForAnotherTokenizerFailsBeforeAnyWork(@TempDir Path dir) throws Exception {
    Path other = SftFixtures.base(dir.resolve("other"), new io.llmforge.pipeline.tokenizer.BpeTrainer(
        io.llmforge.pipeline.tokenizer.PreTokenizer.Kind.GPT4, io.llmforge.pipeline.tokenizer.SpecialTokens.ALL, 300,
        1).trainOnText(List.of("something else entirely")).tokenizer());
    IllegalStateException e = assertThrows(IllegalStateException.class, () -> RewardTrainJob.run(
        SftFixtures.spark(), RewardFixtures.train(other, dir.resolve("rm"), data), QUIET));
    assertTrue(e.getMessage().contains("another tokenizer"), e.getMessage());
    assertTrue(new RewardVersions(dir.resolve("rm")).versions().isEmpty(), "no version was started");
  }

  static RewardTraining.Plan plan(RewardSettings s, Path out, int steps) {
    return new RewardTraining.Plan(s, data.toString(), base.toString(), out.toString(), Long.MIN_VALUE, Long.MIN_VALUE, 0,
        steps);
  }

  static Path latest(Path run) {
    return Checkpoint.latestGood(run, QUIET).orElseThrow();
  }

  static List<Object> losses(Path run) {
    return new MetricsLog(run.resolve(MetricsLog.FILE)).read().stream().filter(l -> l.containsKey("loss"))
        .map(l -> l.get("step") + ":" + l.get("loss")).map(Object.class::cast).toList();
  }
}
