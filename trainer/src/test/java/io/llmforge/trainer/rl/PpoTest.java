package io.llmforge.trainer.rl;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.llmforge.pipeline.config.JobConfig;
import io.llmforge.pipeline.spark.JobStats;
import io.llmforge.pipeline.tokenizer.SpecialTokens;
import io.llmforge.trainer.checkpoint.Checkpoint;
import io.llmforge.trainer.distributed.WorkerGroup;
import io.llmforge.trainer.engine.GptConfig;
import io.llmforge.trainer.engine.GptEngine;
import io.llmforge.trainer.engine.LoraSettings;
import io.llmforge.trainer.engine.Parameters;
import io.llmforge.trainer.loop.Trainer;
import io.llmforge.trainer.metrics.MetricsLog;
import io.llmforge.trainer.optim.OptimizerSettings;
import io.llmforge.trainer.preference.AnswerLogProbs;
import io.llmforge.trainer.sft.ChatTemplate;
import io.llmforge.trainer.sft.Message;
import io.llmforge.trainer.sft.SftFixtures;
import io.llmforge.trainer.sft.TestTokenizers;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

class PpoTest {
  static final PrintStream QUIET = new PrintStream(new ByteArrayOutputStream());

  @TempDir
  static Path shared;
  static Path sft;

  @BeforeAll
  static void fineTune() throws Exception {
    sft = GrpoTest.additionSftModel(shared);
  }

  static PpoSettings settings(Path out, String... more) {
    List<String> o = new ArrayList<>(List.of("ppo.base=\"" + sft + "\"", "ppo.output=\"" + out + "\"",
        "ppo.steps=4", "ppo.prompts-per-step=4", "ppo.group-size=2", "ppo.inner-steps=2", "ppo.max-new-tokens=4",
        "ppo.task.eval-prompts=20", "ppo.eval-interval=2", "ppo.checkpoint-interval=2",
        "ppo.optimizer.learning-rate=1e-3", "ppo.optimizer.warmup-steps=1"));
    o.addAll(List.of(more));
    return PpoSettings.from(JobConfig.load("ppo", List.of("ppo"), List.of(), o));
  }

  @Test
  void rewardsPayTheKlPenaltyPerTokenAndTheScoreAtTheEnd() {
    double[] r = PpoLoss.rewards(1.0, new double[] {-1.0, -2.0, -0.5}, new double[] {-1.5, -2.0, -0.1}, 0.1);
    assertEquals(-0.1 * 0.5, r[0], 1e-12);
    assertEquals(0, r[1], 1e-12);
    assertEquals(-0.1 * -0.4 + 1.0, r[2], 1e-12);
  }

  /** GAE against its definition: A_t = sum_k (gamma lambda)^k delta_{t+k}, with V after the answer's end 0. */
  @Test
  void gaeEqualsTheSumOfDiscountedTemporalDifferences() {
    double[] rewards = {0.1, -0.2, 0.0, 1.0};
    double[] values = {0.5, 0.3, 0.8, 0.2};
    for (double[] gl : new double[][] {{1.0, 0.95}, {0.9, 0.5}, {1.0, 1.0}}) {
      PpoLoss.Estimates e = PpoLoss.gae(rewards, values, gl[0], gl[1]);
      for (int t = 0; t < rewards.length; t++) {
        double expected = 0;
        for (int k = t; k < rewards.length; k++) {
          double next = k + 1 < rewards.length ? values[k + 1] : 0;
          expected += Math.pow(gl[0] * gl[1], k - t) * (rewards[k] + gl[0] * next - values[k]);
        }
        assertEquals(expected, e.advantages()[t], 1e-12, "A_" + t + " at " + Arrays.toString(gl));
        assertEquals(expected + values[t], e.returns()[t], 1e-12, "R_" + t);
      }
    }
    PpoLoss.Estimates mc = PpoLoss.gae(rewards, values, 1, 1);
    assertEquals(0.9, mc.returns()[0], 1e-12, "gamma = lambda = 1: the return is the sum of the rewards to come");
  }

  /** The loss's gradients (policy log-probs and values) against central differences, clipped tokens included. */
  @Test
  void lossGradientsEqualFiniteDifferences() {
    double[][] policy = {{-1.0, -2.0, -0.7}, {-0.5}};
    double[][] old = {{-1.1, -1.6, -0.7}, {-0.9}};     // token 1: ratio 0.67 (clipped with A < 0); row 1: 1.49
    double[][] adv = {{1.5, -0.8, 0.3}, {2.0}};
    double[][] values = {{0.2, 0.9, -0.1}, {0.4}};
    double[][] oldValues = {{0.1, 0.3, -0.1}, {0.45}}; // token 1: 0.6 past the 0.2 clip
    double[][] returns = {{1.0, 1.5, 0.5}, {-0.2}};   // token 1: the clipped value's error is the larger
    PpoLoss.Result r = PpoLoss.of(policy, old, adv, values, oldValues, returns, 0.2, 0.2, 0.5);
    assertTrue(r.clipped() >= 1 && r.valueClipped() >= 1, "the case covers both clips: " + r.clipped() + ", "
        + r.valueClipped());
    double h = 1e-6;
    for (int s = 0; s < policy.length; s++) {
      for (int t = 0; t < policy[s].length; t++) {
        double[][] up = deepCopy(policy);
        up[s][t] += h;
        double[][] down = deepCopy(policy);
        down[s][t] -= h;
        double numeric = (PpoLoss.of(up, old, adv, values, oldValues, returns, 0.2, 0.2, 0.5).loss()
            - PpoLoss.of(down, old, adv, values, oldValues, returns, 0.2, 0.2, 0.5).loss()) / (2 * h);
        assertEquals(numeric, r.dPolicy()[s][t], 1e-6, "dlogp[" + s + "][" + t + "]");
        double[][] vUp = deepCopy(values);
        vUp[s][t] += h;
        double[][] vDown = deepCopy(values);
        vDown[s][t] -= h;
        double numericV = (PpoLoss.of(policy, old, adv, vUp, oldValues, returns, 0.2, 0.2, 0.5).loss()
            - PpoLoss.of(policy, old, adv, vDown, oldValues, returns, 0.2, 0.2, 0.5).loss()) / (2 * h);
        assertEquals(numericV, r.dValues()[s][t], 1e-6, "dV[" + s + "][" + t + "]");
      }
    }
  }

  /**
   * The value head and the policy through one backward pass of the engine (in double): a loss on both the values
   * and the answer log-probs, against central differences of the forward.
   */
  @Test
  void valueHeadAndPolicyGradientsThroughTheBackboneMatchFiniteDifferences() {
    ChatTemplate template = TestTokenizers.template();
    GptConfig config = new GptConfig(template.tokenizer().vocabSize(), 48, 2, 2, 16, 0, 3);
    GptEngine engine = new GptEngine(config, DataType.DOUBLE, LoraSettings.NONE, name -> true,
        List.of(ValueHead.HEAD));
    AnswerLogProbs logps = new AnswerLogProbs(engine, template.tokenizer().specialId(SpecialTokens.PAD));
    ValueHead critic = new ValueHead(engine);
    int[] p1 = template.prompt(List.of(Message.user("What is 2 + 3?")));
    int[] p2 = template.prompt(List.of(Message.user("Hi")));
    List<int[]> rows = List.of(GrpoTest.concat(p1, template.completion("5")), GrpoTest.concat(p2, template.completion("Hello there.")));
    int[] prompts = {p1.length, p2.length};
    Parameters params = engine.parameters();
    params.zeroGradients();
    logps.forward(rows, prompts);
    double[][] lp = logps.perToken();
    double[][] v = critic.read(logps);
    double[][] wLogp = weights(lp, 11);
    double[][] wValue = weights(v, 12);
    try (INDArray dHidden = critic.backward(wValue)) {
      logps.backward(wLogp, dHidden);
    }
    Random random = new Random(5);
    for (String name : List.of("value.weight", "h.1.mlp.c_fc.weight", "h.0.attn.c_attn.weight", "wte.weight",
        "ln_f.bias")) {
      INDArray value = params.value(name).reshape(-1);
      INDArray grad = params.gradient(name).reshape(-1);
      for (int k = 0; k < 4; k++) {
        int i = random.nextInt((int) value.length());
        double x = value.getDouble(i);
        double h = 1e-5;
        value.putScalar(i, x + h);
        double up = objective(logps, critic, rows, prompts, wLogp, wValue);
        value.putScalar(i, x - h);
        double down = objective(logps, critic, rows, prompts, wLogp, wValue);
        value.putScalar(i, x);
        double numeric = (up - down) / (2 * h);
        assertEquals(numeric, grad.getDouble(i), 1e-6 + 1e-4 * Math.abs(numeric), name + "[" + i + "]");
      }
    }
  }

  /**
   * PPO's rounds through the engine on a rewarded and an unrewarded answer: the first becomes likelier, the second
   * less likely; then the critic alone (no advantage) regresses on the returns and values the first above the
   * second.
   */
  @Test
  void theRewardedAnswerGainsProbabilityAndValue() {
    Path checkpoint = Checkpoint.resolve(sft, QUIET);
    GptEngine engine = new GptEngine(Checkpoint.readConfig(checkpoint), DataType.FLOAT, LoraSettings.NONE,
        name -> true, List.of(ValueHead.HEAD));
    Checkpoint.loadWeights(checkpoint, engine);
    ChatTemplate template = TestTokenizers.template();
    AnswerLogProbs logps = new AnswerLogProbs(engine, template.tokenizer().specialId(SpecialTokens.PAD));
    ValueHead critic = new ValueHead(engine);
    int[] prompt = template.prompt(List.of(Message.user("What is 2 + 3?")));
    List<int[]> rows = List.of(GrpoTest.concat(prompt, template.completion("5")), GrpoTest.concat(prompt, template.completion("7")));
    int[] prompts = {prompt.length, prompt.length};
    logps.forward(rows, prompts);
    double[][] before = logps.perToken();
    double[] score = {1, 0};
    // Adam moves every parameter by about lr per step whatever its gradient: a small lr keeps the effect on the
    // answers' own tokens the gradient's
    ppoRounds(engine, logps, critic, rows, prompts, score, 1e-4, 10, true);
    logps.forward(rows, prompts);
    double[][] after = logps.perToken();
    // the answers' first tokens: "5" and "7" (their closing <|end|> is one token in two contexts, pushed both ways)
    assertTrue(after[0][0] > before[0][0], "the rewarded answer: " + before[0][0] + " -> " + after[0][0]);
    assertTrue(after[1][0] < before[1][0], "the other: " + before[1][0] + " -> " + after[1][0]);
    ppoRounds(engine, logps, critic, rows, prompts, score, 1e-2, 30, false);
    logps.forward(rows, prompts);
    double[][] values = critic.read(logps);
    double last0 = values[0][values[0].length - 1];
    double last1 = values[1][values[1].length - 1];
    assertTrue(last0 > last1 + 0.5, "the critic values the rewarded answer's end above the other's: " + last0
        + " vs " + last1);
  }

  /** {@code rounds} PPO rounds of one step on {@code rows}; without {@code policy}, the value loss alone. */
  private static void ppoRounds(GptEngine engine, AnswerLogProbs logps, ValueHead critic, List<int[]> rows,
      int[] prompts, double[] score, double lr, int rounds, boolean policy) {
    Trainer trainer = new Trainer(engine, new OptimizerSettings(lr, lr, 0, 0, 0.9, 0.99, 1e-8, 0, 1.0, 1));
    for (int round = 0; round < rounds; round++) {
      logps.forward(rows, prompts);
      double[][] old = logps.perToken();
      double[][] oldValues = critic.read(logps);
      double[][] adv = new double[rows.size()][];
      double[][] ret = new double[rows.size()][];
      for (int i = 0; i < rows.size(); i++) {
        PpoLoss.Estimates e = PpoLoss.gae(PpoLoss.rewards(score[i], old[i], old[i], 0), oldValues[i], 1, 0.95);
        adv[i] = policy ? e.advantages() : new double[old[i].length];
        ret[i] = e.returns();
      }
      if (policy) {
        PpoLoss.whiten(adv);
      }
      trainer.step(rows.size(), WorkerGroup.single(), scale -> {
        logps.forward(rows, prompts);
        double[][] values = critic.read(logps);
        PpoLoss.Result r = PpoLoss.of(logps.perToken(), old, adv, values, oldValues, ret, 0.2, 10, policy ? 0.1 : 1);
        try (INDArray dHidden = critic.backward(OnlineTraining.scaled(r.dValues(), scale))) {
          logps.backward(OnlineTraining.scaled(r.dPolicy(), scale), dHidden);
        }
        return r.loss();
      });
    }
  }

  @Test
  void aRunLogsPposFiguresAndResumesExactlyAfterAnInterruption(@TempDir Path dir) {
    JobStats straight = PpoTraining.run(SftFixtures.spark(), settings(dir.resolve("straight")), QUIET);
    assertEquals(4L, ((Number) straight.get("rounds")).longValue());
    assertEquals(8L, ((Number) straight.get("steps")).longValue(), "two PPO epochs per round");
    List<Map<String, Object>> log = new MetricsLog(dir.resolve("straight").resolve(MetricsLog.FILE)).read();
    assertTrue(log.stream().anyMatch(l -> l.containsKey("reward") && l.containsKey("kl")
        && l.containsKey("clip_ratio") && l.containsKey("value_loss") && l.containsKey("value_clip_ratio")
        && l.containsKey("returns") && l.containsKey("values") && l.containsKey("stop_rate")), log.toString());
    assertTrue(log.stream().anyMatch(l -> l.containsKey("eval/accuracy")), log.toString());
    Path out = dir.resolve("resumed");
    PpoTraining.run(SftFixtures.spark(), settings(out, "ppo.steps=2", "ppo.optimizer.decay-steps=8"), QUIET);
    PpoTraining.run(SftFixtures.spark(), settings(out, "ppo.optimizer.decay-steps=8"), QUIET);
    Path straight2 = dir.resolve("straight2");
    PpoTraining.run(SftFixtures.spark(), settings(straight2, "ppo.optimizer.decay-steps=8"), QUIET);
    assertEquals(GrpoTest.losses(straight2), GrpoTest.losses(out), "the resumed run (value head and optimiser "
        + "state from the checkpoint) samples and learns what the straight one did");
  }

  /**
   * In the critic's warm-up rounds the value head alone learns: after them every GPT tensor is still exactly the SFT
   * model's and the head has moved from its initial value; the first round after the warm-up moves the policy.
   */
  @Test
  void duringTheCriticsWarmUpOnlyTheValueHeadLearns(@TempDir Path dir) {
    Path out = dir.resolve("warm");
    PpoTraining.run(SftFixtures.spark(), settings(out, "ppo.steps=3", "ppo.critic-warmup-rounds=2",
        "ppo.checkpoint-interval=1", "ppo.keep-last=5"), QUIET);
    Path base = Checkpoint.resolve(sft, QUIET);
    GptConfig config = Checkpoint.readConfig(base);
    GptEngine start = new GptEngine(config, DataType.FLOAT, LoraSettings.NONE,
        name -> true, List.of(ValueHead.HEAD));
    Checkpoint.loadWeights(base, start); // the GPT's tensors; the head keeps its initial value
    GptEngine warmed = new GptEngine(config, DataType.FLOAT, LoraSettings.NONE,
        name -> true, List.of(ValueHead.HEAD));
    Checkpoint.loadWeights(out.resolve(Checkpoint.folderName(4)), warmed); // two rounds of two epochs
    GptEngine after = new GptEngine(config, DataType.FLOAT, LoraSettings.NONE,
        name -> true, List.of(ValueHead.HEAD));
    Checkpoint.loadWeights(out.resolve(Checkpoint.folderName(6)), after);
    boolean policyMoved = false;
    for (String name : start.parameters().names()) {
      INDArray a = start.parameters().value(name);
      INDArray b = warmed.parameters().value(name);
      if (name.startsWith(ValueHead.HEAD + ".")) {
        assertTrue(!a.equals(b), "the value head learns in the warm-up");
      } else {
        assertEquals(a, b, name + " stays the SFT model's in the warm-up");
        policyMoved |= !b.equals(after.parameters().value(name));
      }
    }
    assertTrue(policyMoved, "the round after the warm-up trains the policy");
    assertTrue(new MetricsLog(out.resolve(MetricsLog.FILE)).read().stream()
        .anyMatch(l -> ((Number) l.getOrDefault("critic_warmup", -1)).intValue() == 1), "logged as critic_warmup");
  }

  private static double objective(AnswerLogProbs logps, ValueHead critic, List<int[]> rows, int[] prompts,
      double[][] wLogp, double[][] wValue) {
    logps.forward(rows, prompts);
    double[][] lp = logps.perToken();
    double[][] v = critic.read(logps);
    double sum = 0;
    for (int b = 0; b < lp.length; b++) {
      for (int t = 0; t < lp[b].length; t++) {
        sum += wLogp[b][t] * lp[b][t] + wValue[b][t] * v[b][t];
      }
    }
    return sum;
  }

  private static double[][] weights(double[][] shape, long seed) {
    Random random = new Random(seed);
    double[][] w = new double[shape.length][];
    for (int b = 0; b < w.length; b++) {
      w[b] = new double[shape[b].length];
      for (int t = 0; t < w[b].length; t++) {
        w[b][t] = random.nextGaussian();
      }
    }
    return w;
  }

  private static double[][] deepCopy(double[][] a) {
    double[][] c = new double[a.length][];
    for (int i = 0; i < a.length; i++) {
      c[i] = a[i].clone();
    }
    return c;
  }
}
