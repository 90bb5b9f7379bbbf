package io.llmforge.trainer.rl;

import io.llmforge.pipeline.spark.JobStats;
import io.llmforge.pipeline.tokenizer.ByteLevelBpe;
import io.llmforge.pipeline.tokenizer.SpecialTokens;
import io.llmforge.pipeline.tokenizer.TokenizerJson;
import io.llmforge.trainer.checkpoint.Checkpoint;
import io.llmforge.trainer.checkpoint.RunFolder;
import io.llmforge.trainer.checkpoint.TrainerState;
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
 * What the online RL trainers (GRPO, PPO) share, as TRL's trainers share their base: the policy (from the SFT model)
 * and the frozen SFT model as the KL reference, resume, the prompts ({@link PromptSet}: verifiable tasks, or the
 * user's conversations), rounds of sampling on the KV cache (temperature, max-new-tokens, stop at {@code <|end|>})
 * rewarded by {@link Rewards} (minus {@code no-stop-penalty} for an answer that never stops), the held-out greedy
 * evaluation, logging, checkpoints and data parallelism. Each algorithm ({@link Update}) turns one round's samples
 * into optimiser steps.
 *
 * <p>Sampling is seeded by (seed, round, worker), so a resumed run draws exactly what the uninterrupted one drew.
 * Data-parallel: each worker samples its own prompts; gradients are all-reduced.
 */
final class OnlineTraining {
  private static final PrintStream QUIET = new PrintStream(OutputStream.nullOutputStream());
  private static final long EVAL_SEED = 0x5eed_e7a1L;

  private OnlineTraining() {}

  /** One algorithm's part: the policy's extra heads and the update on one round's samples. */
  interface Update extends java.io.Serializable {
    /** The job's name ({@code grpo}, {@code ppo}): its settings' section and the prefix of its console lines. */
    String job();

    /** Scalar heads the policy engine carries besides the LM head (PPO's value head). */
    List<String> heads();

    /** Its own settings, for the header line. */
    String describe();

    /**
     * The round's optimiser steps on {@code samples} (every worker calls it alike): the last step's result and the
     * round's metrics (already summed over workers).
     */
    RoundResult optimise(List<Sample> samples, Context c);
  }

  /** What an update works with: the trainer, the worker group and both models' log-prob readers. */
  record Context(Trainer trainer, WorkerGroup group, GptEngine policyEngine, AnswerLogProbs policy,
      AnswerLogProbs reference) {}

  record RoundResult(Trainer.StepResult step, Map<String, Object> metrics) {}

  static JobStats run(SparkSession spark, OnlineSettings s, Update update, PrintStream console) {
    Path base = Checkpoint.resolve(Path.of(s.base()), console);
    check(s, base, update.job());
    PromptFiles.Loaded fromFiles = s.prompts().fromFiles() ? readPrompts(spark, s, base, update.job(), console) : null;
    PromptSet prompts = fromFiles != null ? fromFiles.prompts()
        : PromptSet.tasks(s.task(), s.taskSize(), s.evalPrompts(), s.seed() ^ EVAL_SEED);
    Path out = Path.of(s.output());
    Optional<JobStats> skipped = RunFolder.open(update.job(), out, s.overwrite(), s.resume(), s.optimizerSteps(), console);
    if (skipped.isPresent()) {
      return skipped.get();
    }
    try {
      Files.copy(Checkpoint.tokenizerFile(base), out.resolve(Checkpoint.TOKENIZER),
          java.nio.file.StandardCopyOption.REPLACE_EXISTING);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write " + out.resolve(Checkpoint.TOKENIZER), e);
    }
    if (fromFiles != null) {
      PromptFiles.writeRejects(out.resolve(PromptFiles.REJECTS), fromFiles.rejected());
    }
    long t0 = System.nanoTime();
    JobStats stats;
    if (s.workers() == 0) {
      stats = train(s, update, prompts, console, WorkerGroup.single());
    } else {
      SparkContext sc = spark.sparkContext();
      String key = update.job() + ".distributed.workers";
      DataParallel.requireSlots(sc.master(), s.workers(), key);
      stats = DataParallel.train(sc, s.workers(), Duration.ofSeconds(s.exchangeTimeoutSeconds()), key,
          group -> train(s, update, prompts, group.rank() == 0 ? System.out : QUIET, group));
    }
    if (fromFiles != null) {
      stats.put("prompt_rows", fromFiles.rows())
          .put("prompts_train", fromFiles.prompts().train().size())
          .put("prompts_held_out", prompts.heldOut().size())
          .put("prompt_duplicates", fromFiles.duplicates())
          .put("prompt_rejects", fromFiles.rejects());
    }
    stats.put("seconds_this_session", (System.nanoTime() - t0) / 1e9);
    RunFolder.finish(out, stats);
    return stats;
  }

  /**
   * The prompts of {@code <job>.prompts.input}, before any work: rows that cannot serve are counted by reason (and
   * written to {@link PromptFiles#REJECTS} in the run folder), said in one line.
   */
  private static PromptFiles.Loaded readPrompts(SparkSession spark, OnlineSettings s, Path base, String job,
      PrintStream console) {
    ChatTemplate template = template(base, job);
    int room = Checkpoint.readConfig(base).blockSize() - s.maxNewTokens();
    PromptFiles.Loaded loaded = PromptFiles.read(spark, job + ".prompts", s.prompts(),
        messages -> template.prompt(messages).length, room);
    long rejected = loaded.rejects().values().stream().mapToLong(Long::longValue).sum();
    console.printf(Locale.ROOT, "%s: %,d prompt rows from %s: %,d distinct prompts train, %,d held out; %,d "
        + "repeated; %,d rejected%s%n", job, loaded.rows(), String.join(", ", s.prompts().input()),
        loaded.prompts().train().size(), loaded.prompts().heldOut().size(), loaded.duplicates(),
        rejected, rejected == 0 ? "" : " " + loaded.rejects() + " (kept with reasons in " + Path.of(s.output())
            .resolve(PromptFiles.REJECTS) + ")");
    return loaded;
  }

  /** Before any work: the base's adapters merged, and the longest prompt plus the answer within its block. */
  private static void check(OnlineSettings s, Path base, String job) {
    if (s.rewardKind() == Rewards.Kind.REWARD_MODEL) {
      if (s.rewardModel().isBlank()) {
        throw new IllegalStateException(job + ".reward.model: required when " + job + ".reward.kind = reward-model");
      }
      Path rm = Path.of(s.rewardModel());
      if (!java.nio.file.Files.isDirectory(rm)) {
        throw new IllegalStateException(job + ".reward.model: " + rm + " is not a folder");
      }
      Checkpoint.resolve(io.llmforge.trainer.reward.RewardModel.version(rm), QUIET); // a current, readable version
    }
    if (s.rewardKind() == Rewards.Kind.JUDGE) {
      s.judge().checkModel();
    }
    LoraSettings adapters = Checkpoint.readLora(base);
    if (!adapters.equals(LoraSettings.NONE)) {
      throw new IllegalStateException(job + ".base: " + base + " carries LoRA adapters (" + adapters + "); fold them "
          + "in first (llmforge sft-merge), so policy and reference start from one set of weights");
    }
    if (s.prompts().fromFiles()) {
      return; // each prompt is checked as it is read
    }
    ChatTemplate template = template(base, job);
    int block = Checkpoint.readConfig(base).blockSize();
    int longest = 0;
    for (VerifiableTasks.Task t : VerifiableTasks.draw(s.task(), 256, s.taskSize(), s.seed())) {
      longest = Math.max(longest, prompt(template, Prompt.of(t)).length);
    }
    if (longest + s.maxNewTokens() > block) {
      throw new IllegalStateException(job + ".max-new-tokens: prompts of up to " + longest + " ids plus "
          + s.maxNewTokens() + " new tokens do not fit the model's block of " + block);
    }
  }

  /** One sampled answer: its row (prompt + answer), prompt length, reward and what it was. */
  record Sample(int[] row, int promptTokens, double reward, boolean correct, boolean stopped) {
    int answerTokens() {
      return row.length - promptTokens;
    }
  }

  static JobStats train(OnlineSettings s, Update update, PromptSet prompts, PrintStream console, WorkerGroup group) {
    String job = update.job();
    Path out = Path.of(s.output());
    boolean writer = group.rank() == 0;
    Path base = Checkpoint.resolve(Path.of(s.base()), QUIET);
    GptConfig config = Checkpoint.readConfig(base);
    ChatTemplate template = template(base, job);
    int padId = template.tokenizer().specialId(SpecialTokens.PAD);
    LoraSettings lora = s.lora();
    GptEngine policy = new GptEngine(config, DataType.FLOAT, lora, lora.enabled() ? name -> false : name -> true,
        update.heads());
    GptEngine reference = new GptEngine(config, DataType.FLOAT, LoraSettings.NONE, name -> false);
    Checkpoint.loadWeights(base, reference);
    Trainer trainer = new Trainer(policy, s.optimizer());
    TrainerState state;
    Optional<Path> good = Checkpoint.latestGood(out, QUIET);
    if (good.isPresent()) {
      state = Checkpoint.restore(good.get(), policy, trainer.optimizer());
      if (writer) {
        console.printf(Locale.ROOT, "%s: resuming %s at step %d%n", job, out, state.step());
      }
    } else {
      Checkpoint.loadWeights(base, policy);
      state = new TrainerState(0, 0, TokenBatches.Cursor.START, s.seed());
    }
    long params = policy.parameters().count();
    if (writer) {
      console.println(job + ": " + Backend.describe());
      console.printf(Locale.ROOT, "%s: policy and reference from %s, %s; %s: %,d of %,d parameters train%n", job, base,
          config, lora.enabled() ? "LoRA rank " + lora.rank() : "full", policy.parameters().trainableCount(), params);
      console.printf(Locale.ROOT, "%s: %s, %d rounds of %d prompts x %d answers%s, %d optimiser "
          + "step(s) each; temperature %s, %s%n", job, prompts.describe(), s.steps(), s.promptsPerStep() * group.size(),
          s.groupSize(),
          group.size() > 1 ? " (" + group.size() + " workers)" : "", s.innerSteps(), s.temperature(),
          update.describe());
    }
    Generator anchorGenerator = new Generator(reference, Sampler.greedy(), s.seed());
    Map<List<Message>, String> anchorAnswers = new java.util.HashMap<>(); // greedy: one answer per prompt for the run
    // the judge's client owns threads and connections: closed however the run ends
    try (Rewards rewarder = Rewards.of(s, QUIET,
        drawn -> anchors(anchorGenerator, anchorAnswers, template, drawn, s))) {
      Generator sampler = new Generator(policy, new Sampler(s.temperature(), 0, 1.0), s.seed());
      Generator greedy = new Generator(policy, Sampler.greedy(), s.seed());
      Context context = new Context(trainer, group, policy, new AnswerLogProbs(policy, padId),
          new AnswerLogProbs(reference, padId));
      List<Prompt> heldOut = prompts.heldOut();
      Timings time = new Timings();
      TrainingLog log = new TrainingLog(out, console, config, params, s.peakTflops() * group.size(),
          s.optimizerSteps(), s.logInterval(), state.step());
      if (writer) {
        log.metrics().truncateAfter(good.isPresent() ? state.step() : -1);
      }
      long tokens = state.tokensSeen();
      Map<String, Double> first = null;
      Map<String, Double> last = null;
      if (trainer.step() == 0) {
        first = last = evaluate(greedy, template, heldOut, s, rewarder, group, time);
        report(writer, log, console, job, 0, first);
      }
      double lastLoss = Double.NaN;
      while (trainer.step() < s.optimizerSteps()) {
        long round = trainer.step() / s.innerSteps();
        List<Prompt> drawn = prompts.draw(s.promptsPerStep(), mix(s.seed(), round, group.rank()));
        sampler.reseed(mix(s.seed() + 1, round, group.rank()));
        Timings spent = new Timings();
        List<Sample> samples = sample(sampler, template, drawn, s, rewarder, spent);
        long u0 = System.nanoTime();
        RoundResult result = update.optimise(samples, context);
        spent.update = (System.nanoTime() - u0) / 1e9;
        lastLoss = result.step().loss();
        double[] rewards = samples.stream().mapToDouble(Sample::reward).toArray();
        double[] stats = new double[] {samples.size(), Arrays.stream(rewards).sum(),
            Arrays.stream(rewards).map(r -> r * r).sum(), samples.stream().filter(Sample::correct).count(),
            samples.stream().filter(Sample::stopped).count(), samples.stream().mapToInt(Sample::answerTokens).sum(),
            samples.stream().mapToInt(x -> x.row().length).sum()};
        double[] all = GradientAveraging.sum(stats, group);
        double n = all[0];
        double meanReward = all[1] / n;
        long roundTokens = Math.round(all[6]);
        tokens += roundTokens;
        spent.sampledTokens = Math.round(all[5]);
        spent.rowTokens = roundTokens;
        spent.updateTokens = roundTokens * s.innerSteps();
        time.add(spent);
        Map<String, Object> extra = new LinkedHashMap<>();
        extra.put("reward", meanReward);
        extra.put("reward_std", Math.sqrt(Math.max(0, all[2] / n - meanReward * meanReward)));
        if (prompts.checkable()) {
          extra.put("accuracy", all[3] / n);
        }
        extra.put("stop_rate", all[4] / n);
        extra.put("completion_length", all[5] / n);
        extra.putAll(result.metrics());
        extra.put("time/sampling", spent.sampling);
        extra.put("time/rewards", spent.rewards);
        extra.put("time/update", spent.update);
        extra.put("sampling_tokens_per_second", spent.sampling == 0 ? 0 : all[5] / spent.sampling);
        extra.put("update_tokens_per_second", spent.update == 0 ? 0 : roundTokens * s.innerSteps() / spent.update);
        summed(rewarder.counters(), group).forEach((k, v) -> extra.put("judge/" + k, v));
        if (writer) {
          log.step(result.step(), roundTokens, tokens, Double.NaN, extra);
        }
        long step = trainer.step();
        long rounds = step / s.innerSteps();
        if (rounds % s.evalInterval() == 0 || step == s.optimizerSteps()) {
          last = evaluate(greedy, template, heldOut, s, rewarder, group, time);
          report(writer, log, console, job, step, last);
        }
        if (writer && (rounds % s.checkpointInterval() == 0 || step == s.optimizerSteps())) {
          Checkpoint.save(out, policy, trainer.optimizer(), new TrainerState(step, tokens, TokenBatches.Cursor.START,
              s.seed()), out.resolve(Checkpoint.TOKENIZER), s.keepLast());
        }
      }
      if (last == null) {
        last = evaluate(greedy, template, heldOut, s, rewarder, group, time);
      }
      if (writer) {
        log.finish();
      }
      Map<String, Long> judged = summed(rewarder.counters(), group);
      JobStats stats = new JobStats()
          .put("output", out.toString())
          .put("base", base.toString())
          .put("prompts", prompts.describe())
          .put("parameters", params)
          .put("lora_rank", lora.rank())
          .put("beta", s.beta())
          .put("rounds", trainer.step() / s.innerSteps())
          .put("steps", trainer.step())
          .put("tokens_seen", tokens)
          .put("train_loss", Double.isNaN(lastLoss) ? null : lastLoss)
          .put("workers", group.size())
          .put("seconds_sampling", time.sampling)
          .put("seconds_rewards", time.rewards)
          .put("seconds_update", time.update)
          .put("seconds_eval", time.eval)
          .put("sampled_tokens", time.sampledTokens)
          .put("sampling_tokens_per_second", time.sampling == 0 ? 0 : time.sampledTokens / time.sampling)
          // every token through the model while sampling: the prompts' prefill too (short answers are mostly prefill)
          .put("sampling_tokens_per_second_with_prompts", time.sampling == 0 ? 0 : time.rowTokens / time.sampling)
          .put("update_tokens_per_second", time.update == 0 ? 0 : time.updateTokens / time.update);
      if (!judged.isEmpty()) {
        stats.put("judge", s.judge().model()).put("judge_counters", judged);
      }
      if (first != null) {
        first.forEach((k, v) -> stats.put("eval_" + k + "_at_start", v));
      }
      last.forEach((k, v) -> stats.put("eval_" + k, v));
      return stats;
    }
  }

  /**
   * {@code groupSize} answers per prompt, sampled in one batched generation, then rewarded; the seconds of each part
   * are added to {@code time}.
   */
  static List<Sample> sample(Generator generator, ChatTemplate template, List<Prompt> drawn, OnlineSettings s,
      Rewards rewards, Timings time) {
    List<int[]> prompts = new ArrayList<>();
    List<Prompt> perAnswer = new ArrayList<>();
    for (Prompt t : drawn) {
      int[] p = prompt(template, t);
      for (int g = 0; g < s.groupSize(); g++) {
        prompts.add(p);
        perAnswer.add(t);
      }
    }
    long t0 = System.nanoTime();
    List<int[]> rows = generator.generate(prompts, s.maxNewTokens(), template.stopIds());
    long t1 = System.nanoTime();
    boolean[] stopped = new boolean[rows.size()];
    boolean[] correct = new boolean[rows.size()];
    List<String> answers = new ArrayList<>(rows.size());
    for (int i = 0; i < rows.size(); i++) {
      int[] row = rows.get(i);
      int p = prompts.get(i).length;
      stopped[i] = row.length > p && template.stopIds().contains(row[row.length - 1]);
      String answer = template.answer(row, p);
      answers.add(answer);
      correct[i] = stopped[i] && perAnswer.get(i).correct(answer);
    }
    double[] scores = rewards.score(perAnswer, answers, correct);
    time.sampling += (t1 - t0) / 1e9;
    time.rewards += (System.nanoTime() - t1) / 1e9;
    List<Sample> out = new ArrayList<>(rows.size());
    for (int i = 0; i < rows.size(); i++) {
      double reward = scores[i] - (stopped[i] ? 0 : s.noStopPenalty());
      out.add(new Sample(rows.get(i), prompts.get(i).length, reward, correct[i], stopped[i]));
    }
    return out;
  }

  /**
   * The frozen SFT model's greedy answer to each prompt (what the judge compares each sampled answer with), generated
   * once per distinct prompt of the run: the prompts not yet in {@code known} in one batch.
   */
  static List<String> anchors(Generator greedy, Map<List<Message>, String> known, ChatTemplate template,
      List<Prompt> prompts, OnlineSettings s) {
    List<Prompt> missing = prompts.stream().filter(t -> !known.containsKey(t.messages())).distinct().toList();
    if (!missing.isEmpty()) {
      List<int[]> ids = missing.stream().map(t -> prompt(template, t)).toList();
      List<int[]> rows = greedy.generate(ids, s.maxNewTokens(), template.stopIds());
      for (int i = 0; i < rows.size(); i++) {
        known.put(missing.get(i).messages(), template.answer(rows.get(i), ids.get(i).length));
      }
    }
    return prompts.stream().map(t -> known.get(t.messages())).toList();
  }

  /**
   * Greedy answers to the held-out prompts (this worker's share), over all workers: the stop rate, the mean reward
   * (as a round's: the no-stop penalty included; with the judge, a win rate against the SFT model's own answers) and,
   * for verifiable tasks, accuracy.
   */
  static Map<String, Double> evaluate(Generator greedy, ChatTemplate template, List<Prompt> prompts,
      OnlineSettings s, Rewards rewards, WorkerGroup group, Timings time) {
    long t0 = System.nanoTime();
    List<Prompt> mine = new ArrayList<>();
    for (int i = group.rank(); i < prompts.size(); i += group.size()) {
      mine.add(prompts.get(i));
    }
    double correct = 0;
    double stopped = 0;
    double reward = 0;
    if (!mine.isEmpty()) {
      List<int[]> ids = mine.stream().map(t -> prompt(template, t)).toList();
      List<int[]> rows = greedy.generate(ids, s.maxNewTokens(), template.stopIds());
      List<String> answers = new ArrayList<>();
      boolean[] right = new boolean[rows.size()];
      boolean[] stop = new boolean[rows.size()];
      for (int i = 0; i < rows.size(); i++) {
        int[] row = rows.get(i);
        int p = ids.get(i).length;
        stop[i] = row.length > p && template.stopIds().contains(row[row.length - 1]);
        answers.add(template.answer(row, p));
        right[i] = stop[i] && mine.get(i).correct(answers.get(i));
        stopped += stop[i] ? 1 : 0;
        correct += right[i] ? 1 : 0;
      }
      double[] scores = rewards.score(mine, answers, right);
      for (int i = 0; i < scores.length; i++) {
        reward += scores[i] - (stop[i] ? 0 : s.noStopPenalty());
      }
    }
    double[] all = GradientAveraging.sum(new double[] {correct, stopped, reward}, group);
    Map<String, Double> m = new LinkedHashMap<>();
    if (prompts.stream().allMatch(Prompt::checkable)) {
      m.put("accuracy", all[0] / prompts.size());
    }
    m.put("stop_rate", all[1] / prompts.size());
    m.put("reward", all[2] / prompts.size());
    time.eval += (System.nanoTime() - t0) / 1e9;
    return m;
  }

  private static void report(boolean writer, TrainingLog log, PrintStream console, String job, long step,
      Map<String, Double> e) {
    if (!writer) {
      return;
    }
    Map<String, Object> line = new LinkedHashMap<>();
    line.put("step", step);
    e.forEach((k, v) -> line.put("eval/" + k, v));
    log.metrics().append(line);
    StringBuilder said = new StringBuilder();
    e.forEach((k, v) -> said.append(said.length() == 0 ? "" : ", ").append(k.replace('_', ' ')).append(' ')
        .append(String.format(Locale.ROOT, "%.3f", v)));
    console.printf(Locale.ROOT, "%s: step %d held-out greedy %s%n", job, step, said);
  }

  /**
   * {@code counters} summed over the workers (each worker's judge counts its own questions). Every worker's backend
   * is built from the same settings and names the same counters from its start, which is checked. Exact to 2^24
   * (the collective sums floats).
   */
  static Map<String, Long> summed(Map<String, Long> counters, WorkerGroup group) {
    if (group.size() == 1 || counters.isEmpty()) {
      return counters;
    }
    List<String> keys = new ArrayList<>(new java.util.TreeSet<>(counters.keySet()));
    double[] values = new double[keys.size() + 1];
    for (int i = 0; i < keys.size(); i++) {
      values[i] = counters.get(keys.get(i));
    }
    int fingerprint = Math.floorMod(keys.hashCode(), 1 << 12); // small: the sum travels as a float, exact below 2^24
    values[keys.size()] = fingerprint;
    double[] all = GradientAveraging.sum(values, group);
    if (Math.round(all[keys.size()]) != (long) fingerprint * group.size()) {
      throw new IllegalStateException("the workers' judges count different things; this one counts " + keys);
    }
    Map<String, Long> out = new LinkedHashMap<>();
    for (int i = 0; i < keys.size(); i++) {
      out.put(keys.get(i), Math.round(all[i]));
    }
    return out;
  }

  /**
   * Where a run's time goes, in seconds, and the tokens sampled (answers; rows: prompts and answers) and updated on
   * (rows x inner steps).
   */
  static final class Timings {
    double sampling;
    double rewards;
    double update;
    double eval;
    long sampledTokens;
    long rowTokens;
    long updateTokens;

    void add(Timings round) {
      sampling += round.sampling;
      rewards += round.rewards;
      update += round.update;
      eval += round.eval;
      sampledTokens += round.sampledTokens;
      rowTokens += round.rowTokens;
      updateTokens += round.updateTokens;
    }
  }

  /** {@code d} multiplied by {@code scale} in place (the trainer's 1 / global sample count); returns it. */
  static double[][] scaled(double[][] d, double scale) {
    for (double[] row : d) {
      for (int t = 0; t < row.length; t++) {
        row[t] *= scale;
      }
    }
    return d;
  }

  /** The per-token answer log-probs of {@code batch} under {@code logps}' model (its forward stays for a backward). */
  static double[][] tokenLogps(AnswerLogProbs logps, List<Sample> batch) {
    List<int[]> rows = batch.stream().map(Sample::row).toList();
    int[] prompts = batch.stream().mapToInt(Sample::promptTokens).toArray();
    logps.forward(rows, prompts);
    return logps.perToken();
  }

  static int[] prompt(ChatTemplate template, Prompt p) {
    return template.prompt(p.messages());
  }

  private static ChatTemplate template(Path checkpoint, String job) {
    Path file = Checkpoint.tokenizerFile(checkpoint);
    try {
      ByteLevelBpe bpe = TokenizerJson.read(Files.readAllBytes(file));
      return new ChatTemplate(bpe);
    } catch (IOException e) {
      throw new UncheckedIOException(job + ".base: cannot read " + file, e);
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
