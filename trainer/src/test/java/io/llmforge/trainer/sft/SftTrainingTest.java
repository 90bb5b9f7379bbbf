package io.llmforge.trainer.sft;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.llmforge.pipeline.spark.JobStats;
import io.llmforge.trainer.checkpoint.Checkpoint;
import io.llmforge.trainer.checkpoint.SafeTensors;
import io.llmforge.trainer.engine.GptEngine;
import io.llmforge.trainer.engine.LoraSettings;
import io.llmforge.trainer.generate.Sampler;
import io.llmforge.trainer.metrics.MetricsLog;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.apache.hadoop.conf.Configuration;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/** SFT end to end on a tiny model: real sft-prepare output (local Spark), real training, real checkpoints. */
class SftTrainingTest {
  static final String[][] PAIRS = {
      {"What is the capital of France?", "The capital of France is Paris."},
      {"Tell me a joke.", "Why did the chicken cross the road? To get to the other side."},
      {"Translate hello into French.", "Bonjour."},
      {"Who are you?", "You are a helpful assistant."}};
  static final PrintStream QUIET = new PrintStream(new ByteArrayOutputStream());

  @TempDir
  static Path shared;
  static Path base;
  static Path data;

  @BeforeAll
  static void prepare() throws Exception {
    base = SftFixtures.base(shared);
    data = shared.resolve("data");
    SftPrepareJob.run(SftFixtures.spark(), SftFixtures.prepare(List.of(SftFixtures.messages(
        shared.resolve("in/chats.jsonl"), PAIRS)), base, data, "sft-prepare.val-fraction=0"));
  }

  @Test
  void aTinyModelLearnsItsConversationsThenAnswersThemExactlyAndStops(@TempDir Path dir) {
    Path out = dir.resolve("sft");
    JobStats stats = SftTraining.run(SftFixtures.sft(data, base, out, 150,
        "sft.optimizer.learning-rate=1e-2", "sft.optimizer.min-learning-rate=1e-3"), new Configuration(), QUIET);
    assertTrue(((Number) stats.get("train_loss")).doubleValue() < 0.05, "overfits: " + stats.toJson() + "\n"
        + new MetricsLog(out.resolve(MetricsLog.FILE)).read());
    ChatSession chat = ChatSession.open(out, new Sampler(0, 0, 1), 1, null, QUIET);
    for (String[] qa : PAIRS) {
      chat.reset();
      StringBuilder streamed = new StringBuilder();
      ChatSession.Reply reply = chat.reply(qa[0], 40, streamed::append);
      assertEquals(qa[1], reply.text(), "answer to " + qa[0]);
      assertTrue(reply.stopped(), "stops with <|end|>: " + qa[0]);
      assertEquals(qa[1], streamed.toString(), "the streamed text is the answer");
    }
    // the prompt holds <|end|> after the user's turn: a repetition penalty must not keep the answer from ending
    ChatSession penalised = ChatSession.open(out, Sampler.greedy().withRepetitionPenalty(1000), 1, null, QUIET);
    for (String[] qa : PAIRS) {
      penalised.reset();
      assertTrue(penalised.reply(qa[0], 40, piece -> {}).stopped(), "stops under the penalty: " + qa[0]);
    }
  }

  @Test
  void killedAndResumedRunEqualsUninterruptedRun(@TempDir Path dir) {
    String schedule = "sft.optimizer.decay-steps=12";
    JobStats straight = SftTraining.run(SftFixtures.sft(data, base, dir.resolve("a"), 12, schedule),
        new Configuration(), QUIET);
    // "killed" after the checkpoint at step 5, then started again
    SftTraining.run(SftFixtures.sft(data, base, dir.resolve("b"), 5, schedule), new Configuration(), QUIET);
    JobStats resumed = SftTraining.run(SftFixtures.sft(data, base, dir.resolve("b"), 12, schedule),
        new Configuration(), QUIET);
    assertEquals(losses(dir.resolve("a")), losses(dir.resolve("b")), "same losses step for step");
    assertEquals(straight.get("val_loss"), resumed.get("val_loss"));
    Map<String, INDArray> a = tensors(dir.resolve("a"));
    Map<String, INDArray> b = tensors(dir.resolve("b"));
    for (String name : a.keySet()) {
      assertEquals(a.get(name), b.get(name), name + " after resume");
    }
  }

  /** NEFTune's noise reaches the training forward (other losses), and a killed noisy run still resumes exactly. */
  @Test
  void neftuneNoiseChangesTrainingAndResumesExactly(@TempDir Path dir) {
    String schedule = "sft.optimizer.decay-steps=8";
    String noise = "sft.neftune-noise-alpha=5";
    SftTraining.run(SftFixtures.sft(data, base, dir.resolve("plain"), 8, schedule), new Configuration(), QUIET);
    JobStats straight = SftTraining.run(SftFixtures.sft(data, base, dir.resolve("a"), 8, schedule, noise),
        new Configuration(), QUIET);
    assertEquals(5.0, ((Number) straight.get("neftune_noise_alpha")).doubleValue());
    assertNotEquals(losses(dir.resolve("plain")), losses(dir.resolve("a")), "the noise changes the training");
    SftTraining.run(SftFixtures.sft(data, base, dir.resolve("b"), 5, schedule, noise), new Configuration(), QUIET);
    SftTraining.run(SftFixtures.sft(data, base, dir.resolve("b"), 8, schedule, noise), new Configuration(), QUIET);
    assertEquals(losses(dir.resolve("a")), losses(dir.resolve("b")), "same losses step for step after resume");
  }

  @Test
  void loraTrainsOnlyItsAdaptersAndMergesToTheSameModel(@TempDir Path dir) throws Exception {
    Path out = dir.resolve("lora");
    JobStats stats = SftTraining.run(SftFixtures.sft(data, base, out, 40, "sft.lora.rank=4", "sft.lora.alpha=8",
        "sft.optimizer.learning-rate=2e-2", "sft.lora.trainable-tokens=[\"<|end|>\", \"<|assistant|>\"]"),
        new Configuration(), QUIET);
    assertEquals(2, ((List<?>) stats.get("lora_trainable_tokens")).size(), "the two rows train");
    double share = ((Number) stats.get("trainable_share")).doubleValue();
    assertTrue(share > 0 && share < 0.2, "adapters are a small share of the parameters: " + share);
    List<Map<String, Object>> metrics = new MetricsLog(out.resolve(MetricsLog.FILE)).read().stream()
        .filter(m -> m.containsKey("loss")).toList();
    double first = ((Number) metrics.get(0).get("loss")).doubleValue();
    double last = ((Number) metrics.get(metrics.size() - 1).get("loss")).doubleValue();
    assertTrue(last < first - 0.3, "LoRA lowers the loss (a frozen random base learns slowly): " + first + " -> " + last);
    Path checkpoint = Checkpoint.latestGood(out, QUIET).orElseThrow();
    assertTrue(Files.exists(checkpoint.resolve(Checkpoint.ADAPTER)), "adapters are saved apart");
    Map<String, INDArray> before = tensors(base);
    Map<String, INDArray> after = SafeTensors.read(checkpoint.resolve(Checkpoint.MODEL)).tensors();
    for (String name : before.keySet()) {
      assertEquals(before.get(name), after.get(name), name + " is frozen");
    }

    // unmerged adapters and the merged plain model give the same logits
    LoraSettings lora = Checkpoint.readLora(checkpoint);
    GptEngine withAdapters = new GptEngine(Checkpoint.readConfig(checkpoint), DataType.FLOAT, lora, n -> false);
    Checkpoint.loadWeights(checkpoint, withAdapters);
    Path merged = SftMerge.write(out, dir.resolve("merged"), QUIET);
    assertTrue(!Files.exists(merged.resolve(Checkpoint.ADAPTER)), "a merged checkpoint is plain");
    GptEngine plain = new GptEngine(Checkpoint.readConfig(merged));
    Checkpoint.loadWeights(merged, plain);
    int[][] tokens = {TestTokenizers.template().prompt(List.of(Message.user(PAIRS[0][0])))};
    INDArray expected = withAdapters.forward(tokens, null).logits().dup();
    INDArray actual = plain.forward(tokens, null).logits();
    assertTrue(expected.equalsWithEps(actual, 1e-4), "merged logits differ by up to "
        + expected.sub(actual).amaxNumber());
    assertTrue(!tensors(base).get("h.0.attn.c_attn.weight").equals(SafeTensors.read(merged.resolve(
        Checkpoint.MODEL)).tensors().get("h.0.attn.c_attn.weight")), "the merge changed the base weight");
  }

  @Test
  void dataOfAnotherTokenizerOrWithoutEndTargetsFailsBeforeTraining(@TempDir Path dir) throws Exception {
    var other = new io.llmforge.pipeline.tokenizer.BpeTrainer(io.llmforge.pipeline.tokenizer.PreTokenizer.Kind.GPT4,
        io.llmforge.pipeline.tokenizer.SpecialTokens.ALL, 300, 1).trainOnText(List.of("other text entirely"))
        .tokenizer();
    Path otherBase = SftFixtures.base(dir.resolve("other"), other);
    IllegalStateException e = assertThrows(IllegalStateException.class, () -> SftTraining.run(
        SftFixtures.sft(data, otherBase, dir.resolve("x"), 2), new Configuration(), QUIET));
    assertTrue(e.getMessage().contains("tokenizer"), e.getMessage());
    assertTrue(!Files.exists(dir.resolve("x")), "nothing was written");

    Path noEnd = dir.resolve("no-end");
    copyTree(data, noEnd);
    Files.deleteIfExists(noEnd.resolve("." + SftManifest.FILE + ".crc")); // Hadoop's checksum of the old content
    String manifest = Files.readString(noEnd.resolve(SftManifest.FILE));
    Files.writeString(noEnd.resolve(SftManifest.FILE), manifest.replaceAll("\"end_targets\" : \\d+",
        "\"end_targets\" : 0"));
    e = assertThrows(IllegalStateException.class, () -> SftTraining.run(SftFixtures.sft(noEnd, base,
        dir.resolve("y"), 2), new Configuration(), QUIET));
    assertTrue(e.getMessage().contains("never learn to stop"), e.getMessage());

    e = assertThrows(IllegalStateException.class, () -> SftTraining.run(SftFixtures.sft(data, base,
        dir.resolve("z"), 2, "sft.lora.rank=2", "sft.lora.trainable-tokens=[\"<|nope|>\"]"), new Configuration(),
        QUIET));
    assertTrue(e.getMessage().contains("sft.lora.trainable-tokens") && e.getMessage().contains("<|nope|>"),
        e.getMessage());
    assertTrue(!Files.exists(dir.resolve("z")), "nothing was written");
  }

  private static Map<String, Object> losses(Path out) {
    return new MetricsLog(out.resolve(MetricsLog.FILE)).read().stream().collect(Collectors.toMap(
        m -> m.get("step") + (m.containsKey("val_loss") ? "/val" : "/train"),
        m -> m.containsKey("val_loss") ? m.get("val_loss") : m.get("loss")));
  }

  private static Map<String, INDArray> tensors(Path run) {
    try {
      Path c = Checkpoint.latestGood(run, QUIET).orElseThrow();
      return SafeTensors.read(c.resolve(Checkpoint.MODEL)).tensors();
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  private static void copyTree(Path from, Path to) throws java.io.IOException {
    try (var walk = Files.walk(from)) {
      for (Path p : walk.toList()) {
        Path target = to.resolve(from.relativize(p).toString());
        if (Files.isDirectory(p)) {
          Files.createDirectories(target);
        } else {
          Files.copy(p, target);
        }
      }
    }
  }
}
