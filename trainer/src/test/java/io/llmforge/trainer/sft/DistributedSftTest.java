package io.llmforge.trainer.sft;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.llmforge.pipeline.shards.ShardManifest;
import io.llmforge.pipeline.spark.JobStats;
import io.llmforge.trainer.checkpoint.Checkpoint;
import io.llmforge.trainer.data.TestShards;
import io.llmforge.trainer.metrics.MetricsLog;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.apache.hadoop.conf.Configuration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** SFT's data-parallel path on a real local Spark barrier stage, and replay of pretraining shards. */
class DistributedSftTest {
  static final PrintStream QUIET = new PrintStream(new ByteArrayOutputStream());
  static final String[][] PAIRS = {
      {"What is the capital of France?", "The capital of France is Paris."},
      {"Tell me a joke.", "Why did the chicken cross the road? To get to the other side."},
      {"Translate hello into French.", "Bonjour."},
      {"Who are you?", "You are a helpful assistant."},
      {"Say hello.", "Hello."},
      {"What does the fox do?", "The quick brown fox jumps over the lazy dog."}};

  @Test
  void twoWorkersFollowTheSingleProcess(@TempDir Path dir) throws Exception {
    Path base = SftFixtures.base(dir);
    Path data = dir.resolve("data");
    SftPrepareJob.run(SftFixtures.spark(), SftFixtures.prepare(List.of(SftFixtures.messages(dir.resolve("in.jsonl"),
        PAIRS)), base, data, "sft-prepare.val-fraction=0"));
    // one process with batches of 4 = two workers with 2 rows each; conversations differ in length, so this also
    // checks that the loss is the mean over all workers' targets, not a mean of per-worker means
    JobStats single = SftTraining.run(SftFixtures.sft(data, base, dir.resolve("single"), 6), new Configuration(),
        QUIET);
    JobStats distributed = DistributedSft.run(SftFixtures.spark(), SftFixtures.sft(data, base, dir.resolve("dp"), 6,
        "sft.batch-size=2", "sft.distributed.workers=2"), QUIET);
    assertEquals(2, ((Number) distributed.get("workers")).intValue());
    assertEquals(2, ((List<?>) distributed.get("executors")).size());
    List<Map<String, Object>> a = trainLines(dir.resolve("single"));
    List<Map<String, Object>> b = trainLines(dir.resolve("dp"));
    assertEquals(a.size(), b.size());
    for (int i = 0; i < a.size(); i++) {
      double x = ((Number) a.get(i).get("loss")).doubleValue();
      double y = ((Number) b.get(i).get("loss")).doubleValue();
      assertEquals(x, y, 1e-4 * Math.abs(x), "loss at step " + a.get(i).get("step"));
    }
    assertEquals(((Number) single.get("tokens_seen")).longValue(), ((Number) distributed.get("tokens_seen"))
        .longValue());
  }

  @Test
  void replayMixesPretrainingRowsAndResumesWhereTheyStopped(@TempDir Path dir) throws Exception {
    Path base = SftFixtures.base(dir);
    Path data = dir.resolve("data");
    SftPrepareJob.run(SftFixtures.spark(), SftFixtures.prepare(List.of(SftFixtures.messages(dir.resolve("in.jsonl"),
        PAIRS)), base, data, "sft-prepare.val-fraction=0"));
    Path shards = dir.resolve("shards");
    int vocab = TestTokenizers.tiny().vocabSize();
    ShardManifest written = TestShards.write(shards, 16, vocab, 5, 4);
    ShardManifest manifest = new ShardManifest(ShardManifest.FORMAT, TestTokenizers.tiny().fingerprint(), vocab,
        TestTokenizers.tiny().endOfTextId(), 16, 17, 1, 0.1, written.splits(), "source", List.of(), written.shards());
    Files.writeString(shards.resolve(ShardManifest.FILE), manifest.toJson(), StandardCharsets.UTF_8);

    String[] replay = {"sft.replay.shards=\"" + shards + "\"", "sft.replay.fraction=0.5",
        "sft.optimizer.decay-steps=8"};
    SftTraining.run(SftFixtures.sft(data, base, dir.resolve("a"), 8, replay), new Configuration(), QUIET);
    SftTraining.run(SftFixtures.sft(data, base, dir.resolve("b"), 5, replay), new Configuration(), QUIET);
    SftTraining.run(SftFixtures.sft(data, base, dir.resolve("b"), 8, replay), new Configuration(), QUIET);
    assertEquals(trainLines(dir.resolve("a")).stream().map(m -> m.get("loss")).toList(),
        trainLines(dir.resolve("b")).stream().map(m -> m.get("loss")).toList(), "resumed with the replay cursor");

    JsonNode state = new ObjectMapper().readTree(Files.readString(Checkpoint.latestGood(dir.resolve("a"), QUIET)
        .orElseThrow().resolve(Checkpoint.STATE)));
    // 8 steps x 2 replay rows of the 9-row train split: 16 rows read, so the second epoch is under way
    assertEquals(1, state.path("replay_cursor").path("epoch").asInt(), state.toString());
    Map<String, Object> first = trainLines(dir.resolve("a")).get(0);
    assertTrue(((Number) first.get("targets")).longValue() >= 2 * 16, "replayed rows train on every token: " + first);
  }

  private static List<Map<String, Object>> trainLines(Path run) {
    return new MetricsLog(run.resolve(MetricsLog.FILE)).read().stream().filter(m -> m.containsKey("loss")).toList();
  }
}
