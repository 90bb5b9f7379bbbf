package io.llmforge.trainer.rl;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.llmforge.pipeline.config.JobConfig;
import io.llmforge.pipeline.spark.JobStats;
import io.llmforge.pipeline.tokenizer.SpecialTokens;
import io.llmforge.trainer.checkpoint.Checkpoint;
import io.llmforge.trainer.distributed.WorkerGroup;
import io.llmforge.trainer.engine.GptEngine;
import io.llmforge.trainer.loop.Trainer;
import io.llmforge.trainer.metrics.MetricsLog;
import io.llmforge.trainer.optim.OptimizerSettings;
import io.llmforge.trainer.preference.AnswerLogProbs;
import io.llmforge.trainer.sft.ChatTemplate;
import io.llmforge.trainer.sft.Message;
import io.llmforge.trainer.sft.SftFixtures;
import io.llmforge.trainer.sft.SftMerge;
import io.llmforge.trainer.sft.SftPrepareJob;
import io.llmforge.trainer.sft.SftTraining;
import io.llmforge.trainer.sft.TestTokenizers;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.hadoop.conf.Configuration;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class GrpoTest {
  static final PrintStream QUIET = new PrintStream(new ByteArrayOutputStream());

  @TempDir
  static Path shared;
  static Path sft;

  @BeforeAll
  static void fineTune() throws Exception {
    sft = additionSftModel(shared);
  }

  /** A tiny SFT model taught the format of one-digit additions on worked examples, under {@code dir}. */
  static Path additionSftModel(Path dir) throws Exception {
    Path base = SftFixtures.base(dir);
    Path tasks = VerifiableTasks.writeConversations(dir.resolve("tasks/a.jsonl"), VerifiableTasks.Kind.ADDITION,
        300, 1, 5);
    Path data = dir.resolve("sft-data");
    SftPrepareJob.run(SftFixtures.spark(), SftFixtures.prepare(List.of(tasks), base, data));
    Path out = dir.resolve("sft");
    SftTraining.run(SftFixtures.sft(data, base, out, 80), new Configuration(), QUIET);
    return out;
  }

  static OnlineSettings settings(Path out, String... more) {
    List<String> o = new ArrayList<>(List.of("grpo.base=\"" + sft + "\"", "grpo.output=\"" + out + "\"",
        "grpo.steps=6", "grpo.prompts-per-step=4", "grpo.group-size=4", "grpo.max-new-tokens=4",
        "grpo.task.eval-prompts=20", "grpo.eval-interval=3", "grpo.checkpoint-interval=3",
        "grpo.optimizer.learning-rate=1e-3", "grpo.optimizer.warmup-steps=1"));
    o.addAll(List.of(more));
    return OnlineSettings.from(JobConfig.load("grpo", List.of("grpo"), List.of(), o));
  }

  /**
   * Worked by hand: ratio, clipped surrogate and k3 KL per token, the sequence's mean; the gradient against central
   * finite differences, clipped tokens included.
   */
  @Test
  void lossAndGradientEqualTheHandComputedValues() {
    double[][] policy = {{-1.0, -2.0}, {-0.5}};
    double[][] old = {{-1.1, -1.7}, {-0.5}};
    double[][] ref = {{-1.2, -2.0}, {-0.3}};
    double[] adv = {1.5, -0.5};
    double eps = 0.2;
    double beta = 0.1;
    GrpoLoss.Result r = GrpoLoss.of(policy, old, ref, adv, eps, beta);
    double r00 = Math.exp(0.1);                   // 1.105: inside the range
    double r01 = Math.exp(-0.3);                  // 0.741: below 1 - eps; with A > 0 the unclipped side is the min
    double k = Math.exp(-0.2) + 0.2 - 1;           // token 0's k3 (ref - pi = -0.2)
    double seq0 = (-(r00 * 1.5) + beta * k + -(r01 * 1.5) + beta * 0) / 2;
    double seq1 = -(1.0 * -0.5) + beta * (Math.exp(0.2) - 0.2 - 1);
    assertEquals(seq0 + seq1, r.loss(), 1e-12);
    assertEquals(0, r.clipped(), 0, "no token is clipped here");
    assertEquals(3, r.tokens());
    double[][] ratioAbove = {{-0.5}};            // ratio e^0.5 = 1.65 > 1 + eps, A > 0: clipped, no ratio gradient
    GrpoLoss.Result c = GrpoLoss.of(ratioAbove, new double[][] {{-1.0}}, new double[][] {{-0.5}}, new double[] {1},
        eps, beta);
    assertEquals(1, c.clipped(), 0);
    assertEquals(0, c.dPolicy()[0][0], 1e-12, "clipped and at the reference: no gradient");
    for (int s = 0; s < policy.length; s++) {
      for (int t = 0; t < policy[s].length; t++) {
        double h = 1e-6;
        double[][] up = copy(policy);
        double[][] down = copy(policy);
        up[s][t] += h;
        down[s][t] -= h;
        double numeric = (GrpoLoss.of(up, old, ref, adv, eps, beta).loss()
            - GrpoLoss.of(down, old, ref, adv, eps, beta).loss()) / (2 * h);
        assertEquals(numeric, r.dPolicy()[s][t], 1e-7, "token " + s + "," + t);
      }
    }
  }

  @Test
  void advantagesAreRewardsStandingInTheirGroup() {
    double[] a = GrpoLoss.advantages(new double[] {1, 0, 0, 0, 1, 1, 1, 1}, 4);
    assertEquals(1.5, a[0], 1e-3, "(1 - 0.25) / std 0.5");
    assertEquals(-0.5, a[1], 1e-3);
    for (int i = 4; i < 8; i++) {
      assertEquals(0, a[i], 0, "a tie teaches nothing");
    }
  }

  @Test
  void tasksAreDrawnReproduciblyAndCheckedExactly() {
    List<VerifiableTasks.Task> a = VerifiableTasks.draw(VerifiableTasks.Kind.ADDITION, 50, 2, 9);
    assertEquals(a, VerifiableTasks.draw(VerifiableTasks.Kind.ADDITION, 50, 2, 9));
    for (VerifiableTasks.Task t : a) {
      String[] parts = t.prompt().replace("What is ", "").replace("?", "").split(" \\+ ");
      assertEquals(Integer.parseInt(parts[0]) + Integer.parseInt(parts[1]), Integer.parseInt(t.answer()));
      assertTrue(t.correct(" " + t.answer() + " "));
      assertFalse(t.correct(t.answer() + "."));
    }
    VerifiableTasks.Task r = VerifiableTasks.draw(VerifiableTasks.Kind.REVERSAL, 1, 3, 1).get(0);
    String word = r.prompt().substring(r.prompt().indexOf('\'') + 1, r.prompt().lastIndexOf('\''));
    assertEquals(new StringBuilder(word).reverse().toString(), r.answer());
  }

  /** The objective's backward through the engine: the rewarded answer becomes likelier, the other less likely. */
  @Test
  void aPositiveAdvantageRaisesAnAnswersLogProbAndANegativeOneLowersIt() {
    GptEngine engine = SftMerge.load(sft, QUIET);
    ChatTemplate template = TestTokenizers.template();
    int[] prompt = template.prompt(List.of(Message.user("What is 2 + 3?")));
    int[] good = concat(prompt, template.completion("5"));
    int[] bad = concat(prompt, template.completion("7"));
    AnswerLogProbs logps = new AnswerLogProbs(engine, template.tokenizer().specialId(SpecialTokens.PAD));
    List<int[]> rows = List.of(good, bad);
    int[] prompts = {prompt.length, prompt.length};
    double[] before = logps.forward(rows, prompts);
    double[][] old = logps.perToken();
    Trainer trainer = new Trainer(engine, OptimizerSettings.nanoGptShakespeare());
    for (int i = 0; i < 5; i++) {
      trainer.step(2, WorkerGroup.single(), scale -> {
        logps.forward(rows, prompts);
        GrpoLoss.Result r = GrpoLoss.of(logps.perToken(), old, old, new double[] {1, -1}, 0.2, 0);
        double[][] d = r.dPolicy();
        for (double[] row : d) {
          for (int t = 0; t < row.length; t++) {
            row[t] *= scale;
          }
        }
        logps.backward(d);
        return r.loss();
      });
    }
    double[] after = logps.forward(rows, prompts);
    assertTrue(after[0] > before[0], "the rewarded answer: " + before[0] + " -> " + after[0]);
    assertTrue(after[1] < before[1], "the other: " + before[1] + " -> " + after[1]);
  }

  @Test
  void aRunLogsTrlsFiguresAndResumesExactlyAfterAnInterruption(@TempDir Path dir) {
    JobStats straight = GrpoTraining.run(SftFixtures.spark(), settings(dir.resolve("straight")), QUIET);
    assertEquals(6L, ((Number) straight.get("rounds")).longValue());
    assertTrue(straight.get("eval_accuracy_at_start") != null && straight.get("eval_accuracy") != null,
        straight.toJson());
    List<Map<String, Object>> log = new MetricsLog(dir.resolve("straight").resolve(MetricsLog.FILE)).read();
    assertTrue(log.stream().anyMatch(l -> l.containsKey("reward") && l.containsKey("reward_std")
        && l.containsKey("kl") && l.containsKey("clip_ratio") && l.containsKey("completion_length")
        && l.containsKey("stop_rate") && l.containsKey("accuracy")), log.toString());
    Path out = dir.resolve("resumed");
    GrpoTraining.run(SftFixtures.spark(), settings(out, "grpo.steps=3", "grpo.optimizer.decay-steps=6"), QUIET);
    GrpoTraining.run(SftFixtures.spark(), settings(out, "grpo.optimizer.decay-steps=6"), QUIET);
    Path straight2 = dir.resolve("straight2");
    GrpoTraining.run(SftFixtures.spark(), settings(straight2, "grpo.optimizer.decay-steps=6"), QUIET);
    assertEquals(losses(straight2), losses(out), "the resumed run samples and learns what the straight one did");
    assertTrue(Checkpoint.exists(out));
  }

  /** Each worker samples its own prompts; the gradients are averaged: the run completes with both ranks' samples. */
  @Test
  void twoWorkersSampleTheirOwnPromptsAndTrainOneModel(@TempDir Path dir) {
    JobStats single = GrpoTraining.run(SftFixtures.spark(), settings(dir.resolve("one"), "grpo.steps=2"), QUIET);
    JobStats two = GrpoTraining.run(SftFixtures.spark(), settings(dir.resolve("two"), "grpo.steps=2",
        "grpo.prompts-per-step=2", "grpo.distributed.workers=2"), QUIET);
    assertEquals(2L, ((Number) two.get("workers")).longValue());
    assertTrue(((Number) two.get("tokens_seen")).longValue() > 0, two.toJson());
    assertTrue(Checkpoint.exists(dir.resolve("two")));
    assertEquals(single.get("eval_accuracy_at_start"), two.get("eval_accuracy_at_start"), "greedy held-out tasks "
        + "split over the workers give the single process's figure");
  }

  /**
   * reward.kind = reward-model: the round's rewards are the reward model's scores of each sampled answer to its
   * prompt (checked against scoring the same answers directly), and the run trains on them.
   */
  @Test
  void rewardsCanComeFromARewardModel(@TempDir Path dir) {
    Path checkpoint = Checkpoint.resolve(sft, QUIET);
    GptEngine head = io.llmforge.trainer.reward.RewardModel.newEngine(Checkpoint.readConfig(checkpoint),
        io.llmforge.trainer.engine.LoraSettings.NONE);
    Checkpoint.loadWeights(checkpoint, head);
    head.headWeight(io.llmforge.trainer.reward.RewardModel.HEAD).assign(org.nd4j.linalg.factory.Nd4j.rand(
        org.nd4j.linalg.api.buffer.DataType.FLOAT, 1, Checkpoint.readConfig(checkpoint).nEmbd()).subi(0.5));
    Path rm = dir.resolve("rm");
    Checkpoint.save(rm, head, new io.llmforge.trainer.optim.AdamW(OptimizerSettings.nanoGptShakespeare(),
        head.parameters()), new io.llmforge.trainer.checkpoint.TrainerState(0, 0,
        io.llmforge.trainer.data.TokenBatches.Cursor.START, 1), Checkpoint.tokenizerFile(checkpoint), 1);
    OnlineSettings s = settings(dir.resolve("grpo"), "grpo.steps=2", "grpo.reward.kind=reward-model",
        "grpo.reward.model=\"" + rm + "\"");
    io.llmforge.trainer.reward.RewardModel model = io.llmforge.trainer.reward.RewardModel.load(rm, QUIET);
    ChatTemplate template = TestTokenizers.template();
    GptEngine policy = SftMerge.load(sft, QUIET);
    List<VerifiableTasks.Task> tasks = VerifiableTasks.draw(VerifiableTasks.Kind.ADDITION, 3, 1, 4);
    List<OnlineTraining.Sample> samples = OnlineTraining.sample(new io.llmforge.trainer.generate.Generator(policy,
        new io.llmforge.trainer.generate.Sampler(1.0, 0, 1.0), 7), template, tasks, s, Rewards.of(s, QUIET));
    for (int i = 0; i < samples.size(); i++) {
      OnlineTraining.Sample x = samples.get(i);
      String answer = template.answer(x.row(), x.promptTokens());
      double expected = model.forward(List.of(model.row(List.of(Message.user(tasks.get(i / s.groupSize())
          .prompt())), answer)))[0] - (x.stopped() ? 0 : s.noStopPenalty());
      assertEquals(expected, x.reward(), 1e-5, "answer " + i + " '" + answer + "'");
    }
    JobStats run = GrpoTraining.run(SftFixtures.spark(), s, QUIET);
    assertEquals(2L, ((Number) run.get("rounds")).longValue());
    assertTrue(new MetricsLog(dir.resolve("grpo").resolve(MetricsLog.FILE)).read().stream()
        .anyMatch(l -> l.containsKey("reward") && ((Number) l.get("reward")).doubleValue() != 0), "RM rewards");
  }

  static List<Object> losses(Path run) {
    return new MetricsLog(run.resolve(MetricsLog.FILE)).read().stream().filter(l -> l.containsKey("loss"))
        .map(l -> l.get("step") + ":" + l.get("loss") + ":" + l.get("reward")).map(Object.class::cast).toList();
  }

  static int[] concat(int[] a, int[] b) {
    int[] out = java.util.Arrays.copyOf(a, a.length + b.length);
    System.arraycopy(b, 0, out, a.length, b.length);
    return out;
  }

  private static double[][] copy(double[][] a) {
    double[][] out = new double[a.length][];
    for (int i = 0; i < a.length; i++) {
      out[i] = a[i].clone();
    }
    return out;
  }
}
