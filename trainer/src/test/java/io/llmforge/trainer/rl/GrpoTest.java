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
    List<Prompt> tasks = VerifiableTasks.draw(VerifiableTasks.Kind.ADDITION, 3, 1, 4).stream().map(Prompt::of)
        .toList();
    List<OnlineTraining.Sample> samples = OnlineTraining.sample(new io.llmforge.trainer.generate.Generator(policy,
        new io.llmforge.trainer.generate.Sampler(1.0, 0, 1.0), 7), template, tasks, s, Rewards.of(s, QUIET, t -> {
          throw new AssertionError("a reward model needs no anchor answers");
        }), new OnlineTraining.Timings());
    for (int i = 0; i < samples.size(); i++) {
      OnlineTraining.Sample x = samples.get(i);
      String answer = template.answer(x.row(), x.promptTokens());
      double expected = model.forward(List.of(model.row(tasks.get(i / s.groupSize()).messages(), answer)))[0]
          - (x.stopped() ? 0 : s.noStopPenalty());
      assertEquals(expected, x.reward(), 1e-5, "answer " + i + " '" + answer + "'");
    }
    JobStats run = GrpoTraining.run(SftFixtures.spark(), s, QUIET);
    assertEquals(2L, ((Number) run.get("rounds")).longValue());
    assertTrue(new MetricsLog(dir.resolve("grpo").resolve(MetricsLog.FILE)).read().stream()
        .anyMatch(l -> l.containsKey("reward") && ((Number) l.get("reward")).doubleValue() != 0), "RM rewards");
  }

  /** A judge that knows arithmetic: the answer that is the question's sum wins, a tie when neither or both are. */
  static final io.llmforge.trainer.judge.JudgeServer.Rule SUMS = (question, a, b) -> {
    java.util.regex.Matcher m = java.util.regex.Pattern.compile("What is (\\d+) \\+ (\\d+)\\?").matcher(question);
    if (!m.find()) {
      return "no question";
    }
    String sum = Integer.toString(Integer.parseInt(m.group(1)) + Integer.parseInt(m.group(2)));
    boolean aRight = a.strip().equals(sum);
    boolean bRight = b.strip().equals(sum);
    return aRight == bRight ? "[[C]]" : aRight ? "[[A]]" : "[[B]]";
  };

  static String[] judgeAt(io.llmforge.trainer.judge.JudgeServer server) {
    return new String[] {"grpo.reward.kind=judge", "grpo.reward.judge.openai.endpoint=\"" + server.endpoint() + "\"",
        "grpo.reward.judge.openai.model=sums", "grpo.reward.judge.openai.api-key-env=\"\"",
        "grpo.reward.judge.initial-backoff-ms=5", "grpo.reward.judge.max-backoff-ms=50"};
  }

  /**
   * reward.kind = judge against a real HTTP judge that answers every question first with a 429, then a 500, and only
   * then with a verdict (the retries get through): each sampled answer's reward is its verdict against the frozen SFT
   * model's greedy answer, as the judge's rule implies it (right vs wrong: 1, wrong vs right: 0, otherwise 0.5; an
   * answer equal to the SFT model's is not asked about), and each distinct question is sent once.
   */
  @Test
  void rewardsCanComeFromAJudgeBehindAnEndpoint(@TempDir Path dir) throws Exception {
    try (io.llmforge.trainer.judge.JudgeServer server = new io.llmforge.trainer.judge.JudgeServer(SUMS)) {
      OnlineSettings s = settings(dir.resolve("grpo"), judgeAt(server));
      ChatTemplate template = TestTokenizers.template();
      GptEngine policy = SftMerge.load(sft, QUIET);
      io.llmforge.trainer.generate.Generator greedy = new io.llmforge.trainer.generate.Generator(policy,
          io.llmforge.trainer.generate.Sampler.greedy(), 1);
      Map<List<Message>, String> known = new java.util.HashMap<>();
      List<Prompt> tasks = VerifiableTasks.draw(VerifiableTasks.Kind.ADDITION, 6, 1, 11).stream().map(Prompt::of)
          .toList();
      List<String> anchors = OnlineTraining.anchors(greedy, known, template, tasks, s);
      try (Rewards rewards = Rewards.of(s, QUIET, t -> OnlineTraining.anchors(greedy, known, template, t, s))) {
        List<OnlineTraining.Sample> samples = OnlineTraining.sample(new io.llmforge.trainer.generate.Generator(
            policy, new io.llmforge.trainer.generate.Sampler(1.0, 0, 1.0), 7), template, tasks, s, rewards,
            new OnlineTraining.Timings());
        int decided = 0;
        for (int i = 0; i < samples.size(); i++) {
          OnlineTraining.Sample x = samples.get(i);
          Prompt task = tasks.get(i / s.groupSize());
          String answer = template.answer(x.row(), x.promptTokens());
          boolean right = task.correct(answer);
          boolean anchorRight = task.correct(anchors.get(i / s.groupSize()));
          double verdict = right == anchorRight ? Rewards.UNDECIDED : right ? Rewards.WIN : Rewards.LOSS;
          decided += right != anchorRight ? 1 : 0;
          assertEquals(verdict - (x.stopped() ? 0 : s.noStopPenalty()), x.reward(), 1e-12,
              "answer " + i + " '" + answer + "' to '" + task.messages() + "' against '" + anchors.get(i / s.groupSize())
                  + "'");
        }
        Map<String, Long> c = rewards.counters();
        assertTrue(c.get("sent") > 0 && c.get("sent") <= c.get("questions"), c.toString());
        assertEquals(c.get("sent").intValue(), server.verdicts.get(), "each distinct question answered once");
        assertEquals(server.verdicts.get(), server.throttled.get(), "every question was throttled first");
        assertEquals(server.verdicts.get(), server.serverErrors.get(), "... and then failed with a 500");
        assertEquals(0L, c.get("failed_requests"));
        assertTrue(decided > 0, "some answers differ in rightness from the SFT model's: the test tests something");
        long before = server.requests.get();
        rewards.score(tasks.subList(0, 1), List.of(anchors.get(0) + "0"), new boolean[1]);
        rewards.score(tasks.subList(0, 1), List.of(anchors.get(0) + "0"), new boolean[1]);
        assertEquals(before + 6, server.requests.get(), "a question asked again is answered from memory");
      }
    }
  }

  /**
   * A GRPO run rewarded by the endpoint judge runs to the end, logs the judge's counters per round and in its stats,
   * and every reward is a verdict (0, 0.5 or 1) less the no-stop penalty; a checkpoint judge (self-alignment) runs
   * in-process the same way; a checkpoint judge without a folder fails before any work, naming the key.
   */
  @Test
  void aRunRewardedByAJudgeTrainsOnItsVerdicts(@TempDir Path dir) throws Exception {
    try (io.llmforge.trainer.judge.JudgeServer server = new io.llmforge.trainer.judge.JudgeServer(SUMS)) {
      List<String> o = new ArrayList<>(List.of(judgeAt(server)));
      o.add("grpo.steps=2");
      JobStats run = GrpoTraining.run(SftFixtures.spark(), settings(dir.resolve("http"), o.toArray(String[]::new)),
          QUIET);
      assertEquals(2L, ((Number) run.get("rounds")).longValue());
      assertEquals("sums", run.get("judge"));
      @SuppressWarnings("unchecked")
      Map<String, Object> counters = (Map<String, Object>) run.get("judge_counters");
      assertEquals(0L, ((Number) counters.get("failed_requests")).longValue(), counters.toString());
      List<Map<String, Object>> rounds = new MetricsLog(dir.resolve("http").resolve(MetricsLog.FILE)).read().stream()
          .filter(l -> l.containsKey("reward")).toList();
      assertEquals(2, rounds.size());
      for (Map<String, Object> l : rounds) {
        assertTrue(l.containsKey("judge/questions"), l.toString());
        double r = ((Number) l.get("reward")).doubleValue();
        assertTrue(r >= -0.5 && r <= 1, l.toString());
      }
    }
    JobStats self = GrpoTraining.run(SftFixtures.spark(), settings(dir.resolve("self"), "grpo.steps=1",
        "grpo.reward.kind=judge", "grpo.reward.judge.backend=checkpoint",
        "grpo.reward.judge.checkpoint.path=\"" + sft + "\""), QUIET);
    assertEquals(1L, ((Number) self.get("rounds")).longValue());
    assertTrue(String.valueOf(self.get("judge")).startsWith("llmforge:"), self.toJson());
    OnlineSettings missing = settings(dir.resolve("none"), "grpo.reward.kind=judge",
        "grpo.reward.judge.backend=checkpoint", "grpo.reward.judge.checkpoint.path=\"" + dir.resolve("nope") + "\"");
    Exception e = org.junit.jupiter.api.Assertions.assertThrows(RuntimeException.class,
        () -> GrpoTraining.run(SftFixtures.spark(), missing, QUIET));
    assertTrue(e.getMessage().contains("grpo.reward.judge.checkpoint.path"), e.getMessage());
    assertFalse(java.nio.file.Files.exists(dir.resolve("none").resolve("latest")), "no work before the error");
  }

  /**
   * Prompts from the user's own conversations (messages, Alpaca and ShareGPT rows, one of them not JSON) rewarded by
   * the endpoint judge, on two workers: the bad row is kept with its reason, the held-out prompts are evaluated by
   * stop rate and the judge's win rate against the SFT model (0.5 at the start, where both answer alike), and the
   * judge's counters in the stats are both workers' (every verdict the server gave, counted once). With the checker
   * such prompts fail before any work, naming the key.
   */
  @Test
  void promptsFromConversationFilesAreJudgedOnTwoWorkers(@TempDir Path dir) throws Exception {
    Path file = dir.resolve("prompts.jsonl");
    StringBuilder rows = new StringBuilder();
    java.util.Random random = new java.util.Random(5);
    for (int i = 0; i < 40; i++) {
      String q = "What is " + random.nextInt(10) + " + " + random.nextInt(10) + "?";
      rows.append(switch (i % 3) {
        case 0 -> "{\"messages\": [{\"role\": \"user\", \"content\": \"" + q + "\"}]}";
        case 1 -> "{\"instruction\": \"" + q + "\", \"output\": \"?\"}";
        default -> "{\"conversations\": [{\"from\": \"human\", \"value\": \"" + q + "\"}]}";
      }).append('\n');
    }
    rows.append("{not json\n");
    java.nio.file.Files.writeString(file, rows);
    try (io.llmforge.trainer.judge.JudgeServer server = new io.llmforge.trainer.judge.JudgeServer(SUMS)) {
      List<String> o = new ArrayList<>(List.of(judgeAt(server)));
      o.addAll(List.of("grpo.steps=2", "grpo.prompts.input=[\"" + file + "\"]", "grpo.prompts.eval-prompts=6",
          "grpo.prompts-per-step=2", "grpo.distributed.workers=2"));
      Path out = dir.resolve("grpo");
      JobStats run = GrpoTraining.run(SftFixtures.spark(), settings(out, o.toArray(String[]::new)), QUIET);
      assertEquals(2L, ((Number) run.get("rounds")).longValue());
      assertEquals(41L, ((Number) run.get("prompt_rows")).longValue());
      assertEquals(Map.of("invalid_json", 1L), run.get("prompt_rejects"));
      assertEquals(6L, ((Number) run.get("prompts_held_out")).longValue());
      long distinct = ((Number) run.get("prompts_train")).longValue() + 6;
      assertEquals(40L, distinct + ((Number) run.get("prompt_duplicates")).longValue());
      assertTrue(java.nio.file.Files.readString(out.resolve(PromptFiles.REJECTS)).contains("\"invalid_json\""));
      assertEquals(0.5, ((Number) run.get("eval_reward_at_start")).doubleValue(), 1e-12,
          "the policy is the SFT model at the start: every greedy answer is the anchor, a tie unasked");
      assertTrue(run.get("eval_accuracy") == null, "no answers to check: no accuracy");
      assertTrue(run.get("eval_stop_rate") != null && run.get("sampling_tokens_per_second") != null
          && run.get("update_tokens_per_second") != null
          && run.number("sampling_tokens_per_second_with_prompts") > run.number("sampling_tokens_per_second"),
          run.toJson());
      @SuppressWarnings("unchecked")
      Map<String, Object> counters = (Map<String, Object>) run.get("judge_counters");
      assertEquals(server.verdicts.get(), ((Number) counters.get("sent")).intValue(),
          "the stats count both workers' questions: " + counters);
    }
    Exception e = org.junit.jupiter.api.Assertions.assertThrows(RuntimeException.class, () -> GrpoTraining.run(
        SftFixtures.spark(), settings(dir.resolve("checker"), "grpo.prompts.input=[\"" + file + "\"]"), QUIET));
    assertTrue(e.getMessage().contains("grpo.reward.kind"), e.getMessage());
  }

  /**
   * The "a reward that prefers one fixed answer": a judge (real HTTP, on loopback) that prefers the answer 7
   * to any other, whatever the question. GRPO moves the tiny SFT model from answering the sums to answering 7: most
   * of its greedy answers to held-out questions are 7 at the end, few were at the start.
   */
  @Test
  void aPolicyRewardedForOneFixedAnswerLearnsIt(@TempDir Path dir) throws Exception {
    io.llmforge.trainer.judge.JudgeServer.Rule sevens = (question, a, b) -> {
      boolean aSeven = a.strip().equals("7");
      boolean bSeven = b.strip().equals("7");
      return aSeven == bSeven ? "[[C]]" : aSeven ? "[[A]]" : "[[B]]";
    };
    List<Prompt> heldOut = VerifiableTasks.draw(VerifiableTasks.Kind.ADDITION, 40, 1, 99).stream().map(Prompt::of)
        .toList();
    ChatTemplate template = TestTokenizers.template();
    double before = sevens(SftMerge.load(sft, QUIET), template, heldOut);
    try (io.llmforge.trainer.judge.JudgeServer server = new io.llmforge.trainer.judge.JudgeServer(sevens)) {
      List<String> o = new ArrayList<>(List.of(judgeAt(server)));
      o.addAll(List.of("grpo.steps=30", "grpo.prompts-per-step=8", "grpo.group-size=8", "grpo.beta=0",
          "grpo.eval-interval=30", "grpo.checkpoint-interval=30", "grpo.optimizer.learning-rate=2e-3",
          "grpo.optimizer.min-learning-rate=2e-3"));
      GrpoTraining.run(SftFixtures.spark(), settings(dir.resolve("grpo"), o.toArray(String[]::new)), QUIET);
    }
    double after = sevens(SftMerge.load(dir.resolve("grpo"), QUIET), template, heldOut);
    assertTrue(before < 0.3 && after >= 0.9, "share of greedy answers that are 7: " + before + " -> " + after);
  }

  /** The share of {@code prompts} the model answers greedily with exactly 7. */
  static double sevens(GptEngine model, ChatTemplate template, List<Prompt> prompts) {
    io.llmforge.trainer.generate.Generator greedy = new io.llmforge.trainer.generate.Generator(model,
        io.llmforge.trainer.generate.Sampler.greedy(), 1);
    List<int[]> ids = prompts.stream().map(p -> OnlineTraining.prompt(template, p)).toList();
    List<int[]> rows = greedy.generate(ids, 4, template.stopIds());
    int n = 0;
    for (int i = 0; i < rows.size(); i++) {
      n += template.answer(rows.get(i), ids.get(i).length).strip().equals("7") ? 1 : 0;
    }
    return (double) n / prompts.size();
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
