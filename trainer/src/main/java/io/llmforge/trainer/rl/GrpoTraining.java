package io.llmforge.trainer.rl;

import io.llmforge.pipeline.spark.JobStats;
import io.llmforge.pipeline.tokenizer.ByteLevelBpe;
import io.llmforge.pipeline.tokenizer.SpecialTokens;
import io.llmforge.pipeline.tokenizer.TokenizerJson;
import io.llmforge.trainer.checkpoint.Checkpoint;
import io.llmforge.trainer.checkpoint.RunFolder;
import io.llmforge.trainer.checkpoint.TrainerState;
import io.llmforge.trainer.data.Chunks;
import io.llmforge.trainer.data.TokenBatches;
import io.llmforge.trainer.distributed.DataParallel;
import io.llmforge.trainer.distributed.GradientAveraging;
import io.llmforge.trainer.distributed.WorkerGroup;
import io.llmforge.trainer.engine.Backend;
import io.llmforge.trainer.engine.GptConfig;
import io.llmforge.trainer.engine.GptEngine;
import io.llmforge.trainer.engine.LoraSettings;
import io.llmforge.trainer.generate.Generator;
import io.llmforge.trainer.generate.Sampler;
import io.llmforge.trainer.loop.Trainer;
import io.llmforge.trainer.metrics.TrainingLog;
import io.llmforge.trainer.preference.AnswerLogProbs;
import io.llmforge.trainer.sft.ChatTemplate;
import io.llmforge.trainer.sft.Message;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import org.apache.spark.SparkContext;
import org.apache.spark.sql.SparkSession;
import org.nd4j.linalg.api.buffer.DataType;

/**
 * The {@code grpo} job: group relative policy optimisation of an SFT model on verifiable tasks. Each round samples
 * {@code group-size} answers per prompt on the KV cache (temperature, max-new-tokens, stop at {@code <|end|>}),
 * rewards them with the task's exact-match checker (minus {@code no-stop-penalty} for an answer that never stops),
 * normalises rewards within each prompt's group into advantages, takes the policy's log-probs at sampling time as
 * the old policy and the frozen SFT model's as the reference, then runs {@code inner-steps} optimiser steps of
 * {@link GrpoLoss} (clipped ratio, k3 KL with weight beta) on the round's answers. Logged per round: reward mean and
 * std, accuracy, stop rate, answer length, KL, clip fraction; held out: greedy accuracy and stop rate on fixed tasks.
 *
 * <p>Sampling is seeded by (seed, round, worker), so a resumed run draws exactly what the uninterrupted one drew.
 * Data-parallel: each worker samples its own prompts; gradients are all-reduced.
 */
public final class GrpoTraining {
  static final String KEY = "grpo.distributed.workers";
  private static final PrintStream QUIET = new PrintStream(OutputStream.nullOutputStream());
  private static final long EVAL_SEED = 0x5eed_e7a1L;

  private GrpoTraining() {}

  public static JobStats run(SparkSession spark, GrpoSettings s, PrintStream console) {
    Path base = Checkpoint.resolve(Path.of(s.base()), console);
    check(s, base);
    Path out = Path.of(s.output());
    Optional<JobStats> skipped = RunFolder.open("grpo", out, s.overwrite(), s.resume(), s.optimizerSteps(), console);
    if (skipped.isPresent()) {
      return skipped.get();
    }
    try {
      Files.copy(Checkpoint.tokenizerFile(base), out.resolve(Checkpoint.TOKENIZER),
          java.nio.file.StandardCopyOption.REPLACE_EXISTING);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write " + out.resolve(Checkpoint.TOKENIZER), e);
    }
    long t0 = System.nanoTime();
    JobStats stats;
    if (s.workers() == 0) {
      stats = train(s, console, WorkerGroup.single());
    } else {
      SparkContext sc = spark.sparkContext();
      DataParallel.requireSlots(sc.master(), s.workers(), KEY);
      stats = DataParallel.train(sc, s.workers(), Duration.ofSeconds(s.exchangeTimeoutSeconds()), KEY,
          group -> train(s, group.rank() == 0 ? System.out : QUIET, group));
    }
    stats.put("seconds_this_session", (System.nanoTime() - t0) / 1e9);
    RunFolder.finish(out, stats);
    return stats;
  }

  /** Before any work: the base's adapters merged, and the longest prompt plus the answer within its block. */
  private static void check(GrpoSettings s, Path base) {
    LoraSettings adapters = Checkpoint.readLora(base);
    if (!adapters.equals(LoraSettings.NONE)) {
      throw new IllegalStateException("grpo.base: " + base + " carries LoRA adapters (" + adapters + "); fold them "
          + "in first (llmforge sft-merge), so policy and reference start from one set of weights");
    }
    ChatTemplate template = template(base);
    int block = Checkpoint.readConfig(base).blockSize();
    int longest = 0;
    for (VerifiableTasks.Task t : VerifiableTasks.draw(s.task(), 256, s.taskSize(), s.seed())) {
      longest = Math.max(longest, prompt(template, t).length);
    }
    if (longest + s.maxNewTokens() > block) {
      throw new IllegalStateException("grpo.max-new-tokens: prompts of up to " + longest + " ids plus "
          + s.maxNewTokens() + " new tokens do not fit the model's block of " + block);
    }
  }

  /** One sampled answer: its row (prompt + answer), prompt length, reward and what it was. */
  record Sample(int[] row, int promptTokens, double reward, boolean correct, boolean stopped) {
    int answerTokens() {
      return row.length - promptTokens;
    }
  }

  static JobStats train(GrpoSettings s, PrintStream console, WorkerGroup group) {
    Path out = Path.of(s.output());
    boolean writer = group.rank() == 0;
    Path base = Checkpoint.resolve(Path.of(s.base()), QUIET);
    GptConfig config = Checkpoint.readConfig(base);
    ChatTemplate template = template(base);
    int padId = template.tokenizer().specialId(SpecialTokens.PAD);
    LoraSettings lora = s.lora();
    GptEngine policy = new GptEngine(config, DataType.FLOAT, lora, lora.enabled() ? name -> false : name -> true);
    GptEngine reference = new GptEngine(config, DataType.FLOAT, LoraSettings.NONE, name -> false);
    Checkpoint.loadWeights(base, reference);
    Trainer trainer = new Trainer(policy, s.optimizer());
    TrainerState state;
    Optional<Path> good = Checkpoint.latestGood(out, QUIET);
    if (good.isPresent()) {
      state = Checkpoint.restore(good.get(), policy, trainer.optimizer());
      if (writer) {
        console.printf(Locale.ROOT, "grpo: resuming %s at step %d%n", out, state.step());
      }
    } else {
      Checkpoint.loadWeights(base, policy);
      state = new TrainerState(0, 0, TokenBatches.Cursor.START, s.seed());
    }
    long params = policy.parameters().count();
    if (writer) {
      console.println("grpo: " + Backend.describe());
      console.printf(Locale.ROOT, "grpo: policy and reference from %s, %s; %s: %,d of %,d parameters train%n", base,
          config, lora.enabled() ? "LoRA rank " + lora.rank() : "full", policy.parameters().trainableCount(), params);
      console.printf(Locale.ROOT, "grpo: %s tasks (size %d), %d rounds of %d prompts x %d answers%s, %d optimiser "
          + "step(s) each; temperature %s, epsilon %s, beta %s%n", s.task().name().toLowerCase(Locale.ROOT),
          s.taskSize(), s.steps(), s.promptsPerStep() * group.size(), s.groupSize(),
          group.size() > 1 ? " (" + group.size() + " workers)" : "", s.innerSteps(), s.temperature(), s.epsilon(),
          s.beta());
    }
    Generator sampler = new Generator(policy, new Sampler(s.temperature(), 0, 1.0), s.seed());
    Generator greedy = new Generator(policy, Sampler.greedy(), s.seed());
    AnswerLogProbs policyLogps = new AnswerLogProbs(policy, padId);
    AnswerLogProbs referenceLogps = new AnswerLogProbs(reference, padId);
    List<VerifiableTasks.Task> heldOut = VerifiableTasks.draw(s.task(), s.evalPrompts(), s.taskSize(),
        s.seed() ^ EVAL_SEED);
    TrainingLog log = new TrainingLog(out, console, config, params, s.peakTflops() * group.size(),
        s.optimizerSteps(), s.logInterval(), state.step());
    if (writer) {
      log.metrics().truncateAfter(good.isPresent() ? state.step() : -1);
    }
    long tokens = state.tokensSeen();
    Map<String, Double> first = null;
    Map<String, Double> last = null;
    if (trainer.step() == 0) {
      first = last = evaluate(greedy, template, heldOut, s, group);
      report(writer, log, console, 0, first);
    }
    double lastLoss = Double.NaN;
    while (trainer.step() < s.optimizerSteps()) {
      long round = trainer.step() / s.innerSteps();
      List<VerifiableTasks.Task> tasks = VerifiableTasks.draw(s.task(), s.promptsPerStep(), s.taskSize(),
          mix(s.seed(), round, group.rank()));
      sampler.reseed(mix(s.seed() + 1, round, group.rank()));
      List<Sample> samples = sample(sampler, template, tasks, s);
      double[] rewards = samples.stream().mapToDouble(Sample::reward).toArray();
      double[] advantages = GrpoLoss.advantages(rewards, s.groupSize());
      List<List<Sample>> micro = Chunks.of(samples, s.batchSize());
      List<double[][]> old = new ArrayList<>(); // the policy at sampling time: the first inner step's own forward
      List<double[][]> ref = new ArrayList<>();
      for (List<Sample> batch : micro) {
        ref.add(tokenLogps(referenceLogps, batch));
      }
      double[] sums = new double[4]; // loss, kl, clipped, tokens (the round's last inner step)
      Trainer.StepResult result = null;
      for (int inner = 0; inner < s.innerSteps(); inner++) {
        Arrays.fill(sums, 0);
        result = trainer.step(samples.size(), group, scale -> {
          double loss = 0;
          int offset = 0;
          for (int m = 0; m < micro.size(); m++) {
            List<Sample> batch = micro.get(m);
            double[][] now = tokenLogps(policyLogps, batch);
            if (old.size() == m) {
              old.add(now);
            }
            GrpoLoss.Result r = GrpoLoss.of(now, old.get(m), ref.get(m), Arrays.copyOfRange(advantages, offset,
                offset + batch.size()), s.epsilon(), s.beta());
            double[][] d = r.dPolicy();
            for (double[] row : d) {
              for (int t = 0; t < row.length; t++) {
                row[t] *= scale;
              }
            }
            policyLogps.backward(d);
            loss += r.loss();
            sums[1] += r.kl();
            sums[2] += r.clipped();
            sums[3] += r.tokens();
            offset += batch.size();
          }
          sums[0] = loss;
          return loss;
        });
      }
      lastLoss = result.loss();
      double[] stats = new double[] {samples.size(), Arrays.stream(rewards).sum(),
          Arrays.stream(rewards).map(r -> r * r).sum(), samples.stream().filter(Sample::correct).count(),
          samples.stream().filter(Sample::stopped).count(), samples.stream().mapToInt(Sample::answerTokens).sum(),
          sums[1], sums[2], sums[3], samples.stream().mapToInt(x -> x.row().length).sum()};
      double[] all = GradientAveraging.sum(stats, group);
      double n = all[0];
      double meanReward = all[1] / n;
      long roundTokens = Math.round(all[9]);
      tokens += roundTokens;
      Map<String, Object> extra = new LinkedHashMap<>();
      extra.put("reward", meanReward);
      extra.put("reward_std", Math.sqrt(Math.max(0, all[2] / n - meanReward * meanReward)));
      extra.put("accuracy", all[3] / n);
      extra.put("stop_rate", all[4] / n);
      extra.put("completion_length", all[5] / n);
      extra.put("kl", all[8] == 0 ? 0 : all[6] / all[8]);
      extra.put("clip_ratio", all[8] == 0 ? 0 : all[7] / all[8]);
      if (writer) {
        log.step(result, roundTokens, tokens, Double.NaN, extra);
      }
      long step = trainer.step();
      long rounds = step / s.innerSteps();
      if (rounds % s.evalInterval() == 0 || step == s.optimizerSteps()) {
        last = evaluate(greedy, template, heldOut, s, group);
        report(writer, log, console, step, last);
      }
      if (writer && (rounds % s.checkpointInterval() == 0 || step == s.optimizerSteps())) {
        Checkpoint.save(out, policy, trainer.optimizer(), new TrainerState(step, tokens, TokenBatches.Cursor.START,
            s.seed()), out.resolve(Checkpoint.TOKENIZER), s.keepLast());
      }
    }
    if (last == null) {
      last = evaluate(greedy, template, heldOut, s, group);
    }
    if (writer) {
      log.finish();
    }
    JobStats stats = new JobStats()
        .put("output", out.toString())
        .put("base", base.toString())
        .put("task", s.task().name().toLowerCase(Locale.ROOT))
        .put("parameters", params)
        .put("lora_rank", lora.rank())
        .put("beta", s.beta())
        .put("rounds", trainer.step() / s.innerSteps())
        .put("steps", trainer.step())
        .put("tokens_seen", tokens)
        .put("train_loss", Double.isNaN(lastLoss) ? null : lastLoss)
        .put("workers", group.size());
    if (first != null) {
      first.forEach((k, v) -> stats.put("eval_" + k + "_at_start", v));
    }
    last.forEach((k, v) -> stats.put("eval_" + k, v));
    return stats;
  }

  /** {@code groupSize} answers per task, sampled in one batched generation; rewards by the checker. */
  static List<Sample> sample(Generator generator, ChatTemplate template, List<VerifiableTasks.Task> tasks,
      GrpoSettings s) {
    List<int[]> prompts = new ArrayList<>();
    for (VerifiableTasks.Task t : tasks) {
      int[] p = prompt(template, t);
      for (int g = 0; g < s.groupSize(); g++) {
        prompts.add(p);
      }
    }
    List<int[]> rows = generator.generate(prompts, s.maxNewTokens(), template.stopIds());
    List<Sample> out = new ArrayList<>(rows.size());
    for (int i = 0; i < rows.size(); i++) {
      int[] row = rows.get(i);
      int p = prompts.get(i).length;
      boolean stopped = row.length > p && template.stopIds().contains(row[row.length - 1]);
      boolean correct = stopped && tasks.get(i / s.groupSize()).correct(template.answer(row, p));
      double reward = (correct ? 1 : 0) - (stopped ? 0 : s.noStopPenalty());
      out.add(new Sample(row, p, reward, correct, stopped));
    }
    return out;
  }

  /** Greedy answers to the held-out tasks (this worker's share): accuracy and stop rate over all workers. */
  static Map<String, Double> evaluate(Generator greedy, ChatTemplate template, List<VerifiableTasks.Task> tasks,
      GrpoSettings s, WorkerGroup group) {
    List<VerifiableTasks.Task> mine = new ArrayList<>();
    for (int i = group.rank(); i < tasks.size(); i += group.size()) {
      mine.add(tasks.get(i));
    }
    double correct = 0;
    double stopped = 0;
    if (!mine.isEmpty()) {
      List<int[]> prompts = mine.stream().map(t -> prompt(template, t)).toList();
      List<int[]> rows = greedy.generate(prompts, s.maxNewTokens(), template.stopIds());
      for (int i = 0; i < rows.size(); i++) {
        int[] row = rows.get(i);
        int p = prompts.get(i).length;
        boolean stop = row.length > p && template.stopIds().contains(row[row.length - 1]);
        stopped += stop ? 1 : 0;
        correct += stop && mine.get(i).correct(template.answer(row, p)) ? 1 : 0;
      }
    }
    double[] all = GradientAveraging.sum(new double[] {correct, stopped}, group);
    Map<String, Double> m = new LinkedHashMap<>();
    m.put("accuracy", all[0] / tasks.size());
    m.put("stop_rate", all[1] / tasks.size());
    return m;
  }

  private static void report(boolean writer, TrainingLog log, PrintStream console, long step, Map<String, Double> e) {
    if (!writer) {
      return;
    }
    Map<String, Object> line = new LinkedHashMap<>();
    line.put("step", step);
    e.forEach((k, v) -> line.put("eval/" + k, v));
    log.metrics().append(line);
    console.printf(Locale.ROOT, "grpo: step %d held-out greedy accuracy %.3f, stop rate %.3f%n", step,
        e.get("accuracy"), e.get("stop_rate"));
  }

  private static double[][] tokenLogps(AnswerLogProbs logps, List<Sample> batch) {
    List<int[]> rows = batch.stream().map(Sample::row).toList();
    int[] prompts = batch.stream().mapToInt(Sample::promptTokens).toArray();
    logps.forward(rows, prompts);
    return logps.perToken();
  }

  static int[] prompt(ChatTemplate template, VerifiableTasks.Task t) {
    return template.prompt(List.of(Message.user(t.prompt())));
  }

  private static ChatTemplate template(Path checkpoint) {
    Path file = Checkpoint.tokenizerFile(checkpoint);
    try {
      ByteLevelBpe bpe = TokenizerJson.read(Files.readAllBytes(file));
      return new ChatTemplate(bpe);
    } catch (IOException e) {
      throw new UncheckedIOException("grpo.base: cannot read " + file, e);
    }
  }

  /** A seed for (seed, round, worker): SplitMix64's finaliser over their sum, so neighbours differ in every bit. */
  static long mix(long seed, long round, int rank) {
    long z = seed + 0x9E3779B97F4A7C15L * (round + 1) + 0xBF58476D1CE4E5B9L * (rank + 1);
    z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
    z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
    return z ^ (z >>> 31);
  }
}
