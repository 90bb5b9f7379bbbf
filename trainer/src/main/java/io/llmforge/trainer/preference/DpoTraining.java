package io.llmforge.trainer.preference;

import io.llmforge.pipeline.spark.JobStats;
import io.llmforge.pipeline.spark.SerializableHadoopConf;
import io.llmforge.pipeline.tokenizer.ByteLevelBpe;
import io.llmforge.pipeline.tokenizer.SmallFiles;
import io.llmforge.pipeline.tokenizer.SpecialTokens;
import io.llmforge.pipeline.tokenizer.TokenizerJson;
import io.llmforge.trainer.checkpoint.Checkpoint;
import io.llmforge.trainer.checkpoint.RunFolder;
import io.llmforge.trainer.checkpoint.TrainerState;
import io.llmforge.trainer.data.EpochBatches;
import io.llmforge.trainer.data.TokenBatches;
import io.llmforge.trainer.distributed.DataParallel;
import io.llmforge.trainer.distributed.GradientAveraging;
import io.llmforge.trainer.distributed.WorkerGroup;
import io.llmforge.trainer.engine.Backend;
import io.llmforge.trainer.engine.GptConfig;
import io.llmforge.trainer.engine.GptEngine;
import io.llmforge.trainer.engine.LoraSettings;
import io.llmforge.trainer.loop.Trainer;
import io.llmforge.trainer.metrics.TrainingLog;
import io.llmforge.trainer.preference.PreferencePairs.Pair;
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
import org.apache.hadoop.conf.Configuration;
import org.apache.spark.SparkContext;
import org.apache.spark.sql.SparkSession;
import org.nd4j.linalg.api.buffer.DataType;

/**
 * The {@code dpo} job: a policy initialised from an SFT checkpoint (full or LoRA) trained on preference pairs with
 * {@link DpoLoss} against the same checkpoint as the frozen reference, whose answer log-probs are computed once
 * ({@link ReferenceLogProbs}) before training. The shared machinery: {@link Trainer}'s step, checkpoints and exact
 * resume, metrics.jsonl with TRL's names ({@code rewards/chosen}, {@code rewards/rejected}, {@code rewards/margins},
 * {@code rewards/accuracies}, {@code logps/chosen}, {@code logps/rejected}), loss curve, progress line, data-parallel
 * workers. Held-out: the implicit reward's pairwise accuracy (0.5 at the start by construction) and mean margin.
 *
 * <p>Fails before training when the data's tokenizer is not the reference's, when a pair's two rows are the same ids,
 * or when an answer has no token.
 */
public final class DpoTraining {
  static final String KEY = "dpo.distributed.workers";
  private static final PrintStream QUIET = new PrintStream(OutputStream.nullOutputStream());

  private DpoTraining() {}

  /** The whole job: checks, the reference pass, training (here or on {@code workers} executors), stats. */
  public static JobStats run(SparkSession spark, DpoSettings s, PrintStream console) {
    Configuration hadoop = spark.sparkContext().hadoopConfiguration();
    PreferenceManifest manifest = PreferenceManifest.read(hadoop, s.data());
    Path base = Checkpoint.resolve(Path.of(s.base()), console);
    check(s, manifest, base);
    List<Pair> train = PreferencePairs.load(hadoop, s.data(), manifest, PreferencePrepareJob.TRAIN);
    List<Pair> val = PreferencePairs.load(hadoop, s.data(), manifest, PreferencePrepareJob.VAL);
    checkPairs(train, s.data());
    checkPairs(val, s.data());
    int steps = s.steps(train.size());
    Path out = Path.of(s.output());
    Optional<JobStats> skipped = RunFolder.open("dpo", out, s.overwrite(), s.resume(), steps, console);
    if (skipped.isPresent()) {
      return skipped.get();
    }
    byte[] tokenizer = SmallFiles.read(hadoop, new org.apache.hadoop.fs.Path(s.data(),
        PreferencePrepareJob.TOKENIZER_FILE).toString());
    try {
      Files.write(out.resolve(Checkpoint.TOKENIZER), tokenizer);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write " + out.resolve(Checkpoint.TOKENIZER), e);
    }
    String key = ReferenceLogProbs.key(base, manifest);
    if (ReferenceLogProbs.read(out, key).isPresent()) {
      console.println("dpo: reusing the reference log-probs in " + out.resolve(ReferenceLogProbs.FILE));
    } else {
      GptEngine reference = new GptEngine(Checkpoint.readConfig(base), DataType.FLOAT, LoraSettings.NONE,
          name -> false);
      Checkpoint.loadWeights(base, reference);
      ReferenceLogProbs.compute(reference, padId(tokenizer), List.of(train, val), s.batchSize(), out, key, console);
    }
    long t0 = System.nanoTime();
    JobStats stats;
    if (s.workers() == 0) {
      stats = train(s, steps, hadoop, console, WorkerGroup.single());
    } else {
      SparkContext sc = spark.sparkContext();
      DataParallel.requireSlots(sc.master(), s.workers(), KEY);
      SerializableHadoopConf conf = new SerializableHadoopConf(hadoop);
      stats = DataParallel.train(sc, s.workers(), Duration.ofSeconds(s.exchangeTimeoutSeconds()), KEY, group -> {
        PrintStream o = group.rank() == 0 ? System.out : new PrintStream(OutputStream.nullOutputStream());
        return train(s, steps, conf.get(), o, group);
      });
    }
    stats.put("seconds_this_session", (System.nanoTime() - t0) / 1e9);
    RunFolder.finish(out, stats);
    return stats;
  }

  private static void check(DpoSettings s, PreferenceManifest manifest, Path base) {
    Path tokenizer = Checkpoint.tokenizerFile(base);
    ByteLevelBpe bpe;
    try {
      bpe = TokenizerJson.read(Files.readAllBytes(tokenizer));
    } catch (IOException e) {
      throw new IllegalStateException("dpo.base: " + base + " has no readable " + Checkpoint.TOKENIZER, e);
    }
    if (!bpe.fingerprint().equals(manifest.tokenizerSha256())) {
      throw new IllegalStateException("dpo: the preferences " + s.data() + " were rendered with another tokenizer "
          + "than the reference " + base + " uses; run pref-prepare with pref-prepare.base = that model");
    }
    GptConfig config = Checkpoint.readConfig(base);
    if (manifest.maxTokens() > config.blockSize() + 1) {
      throw new IllegalStateException("dpo: rows of " + s.data() + " have up to " + manifest.maxTokens() + " ids, "
          + "more than the reference's block of " + config.blockSize() + " (+1)");
    }
    LoraSettings adapters = Checkpoint.readLora(base);
    if (!adapters.equals(LoraSettings.NONE)) {
      throw new IllegalStateException("dpo.base: " + base + " carries LoRA adapters (" + adapters + "); fold them "
          + "in first (llmforge sft-merge), so policy and reference start from one set of weights");
    }
  }

  /** A pair whose rows are the same ids, or an answer without a token, cannot be learned from: fail now. */
  static void checkPairs(List<Pair> pairs, String data) {
    int identical = 0;
    int empty = 0;
    for (Pair p : pairs) {
      identical += Arrays.equals(p.chosen(), p.rejected()) ? 1 : 0;
      empty += p.chosen().length <= p.promptTokens() || p.rejected().length <= p.promptTokens() ? 1 : 0;
    }
    if (identical > 0) {
      throw new IllegalStateException("dpo: " + identical + " pairs of " + data + " have identical answers after "
          + "rendering; their loss has no gradient");
    }
    if (empty > 0) {
      throw new IllegalStateException("dpo: " + empty + " pairs of " + data + " have an empty answer mask");
    }
  }

  /** Trains one worker of {@code group}; rank 0 writes metrics and checkpoints. */
  static JobStats train(DpoSettings s, int steps, Configuration hadoop, PrintStream console, WorkerGroup group) {
    Path out = Path.of(s.output());
    boolean writer = group.rank() == 0;
    PreferenceManifest manifest = PreferenceManifest.read(hadoop, s.data());
    Path base = Checkpoint.resolve(Path.of(s.base()), QUIET);
    GptConfig config = Checkpoint.readConfig(base);
    ReferenceLogProbs reference = ReferenceLogProbs.read(out, ReferenceLogProbs.key(base, manifest))
        .orElseThrow(() -> new IllegalStateException("dpo: " + out.resolve(ReferenceLogProbs.FILE) + " is missing"));
    List<Pair> train = PreferencePairs.load(hadoop, s.data(), manifest, PreferencePrepareJob.TRAIN);
    List<Pair> val = PreferencePairs.load(hadoop, s.data(), manifest, PreferencePrepareJob.VAL);
    LoraSettings lora = s.lora();
    GptEngine policy = new GptEngine(config, DataType.FLOAT, lora, lora.enabled() ? name -> false : name -> true);
    Trainer trainer = new Trainer(policy, s.optimizerFor(steps));
    int padId = padId(out);
    AnswerLogProbs logps = new AnswerLogProbs(policy, padId);

    TrainerState state;
    Optional<Path> good = Checkpoint.latestGood(out, QUIET);
    if (good.isPresent()) {
      state = Checkpoint.restore(good.get(), policy, trainer.optimizer());
      if (writer) {
        console.printf(Locale.ROOT, "dpo: resuming %s at step %d%n", out, state.step());
      }
    } else {
      Checkpoint.loadWeights(base, policy);
      state = new TrainerState(0, 0, TokenBatches.Cursor.START, s.seed());
    }
    long params = policy.parameters().count();
    long trainable = policy.parameters().trainableCount();
    if (writer) {
      console.println("dpo: " + Backend.describe());
      console.printf(Locale.ROOT, "dpo: policy and reference from %s, %s; %s: %,d of %,d parameters train; beta %s, "
          + "%s loss%s%n", base, config, lora.enabled() ? "LoRA rank " + lora.rank() : "full", trainable, params,
          s.beta(), s.lossType().name().toLowerCase(Locale.ROOT),
          s.sftWeight() > 0 ? ", SFT weight " + s.sftWeight() : "");
      console.printf(Locale.ROOT, "dpo: %d training and %d held-out pairs, %d steps of %d pairs%s%n", train.size(),
          val.size(), steps, (long) group.size() * s.batchSize() * s.optimizer().gradAccumSteps(),
          group.size() > 1 ? ", " + group.size() + " data-parallel workers" : "");
    }
    long tokens = state.tokensSeen();
    TrainingLog log = new TrainingLog(out, console, config, params, s.peakTflops() * group.size(), steps,
        s.logInterval(), state.step());
    if (writer) {
      log.metrics().truncateAfter(good.isPresent() ? state.step() : -1);
    }
    EpochBatches<Pair> batches = new EpochBatches<>(train, Pair::length, s.batchSize(), group.rank(), group.size(),
        s.seed(), s.groupByLength(), state.cursor());
    Heldout first = null;
    Heldout last = null;
    double lastLoss = Double.NaN;
    if (trainer.step() == 0) {
      first = last = heldout(logps, val, reference, s, group);
      if (writer) {
        log.initialValidation(first.loss());
        report(console, 0, first, val.size());
      }
    }
    while (trainer.step() < steps) {
      List<List<Pair>> micro = new ArrayList<>();
      long pairs = 0;
      long stepTokens = 0;
      for (int i = 0; i < s.optimizer().gradAccumSteps(); i++) {
        List<Pair> batch = batches.next();
        micro.add(batch);
        pairs += batch.size();
        for (Pair p : batch) {
          stepTokens += p.chosen().length + p.rejected().length;
        }
      }
      double[] sums = new double[6]; // correct, chosen reward, rejected reward, logp chosen, logp rejected, log-ratio
      Trainer.StepResult result = trainer.step(pairs, group, scale -> {
        double loss = 0;
        for (List<Pair> batch : micro) {
          loss += forwardBackward(logps, batch, reference, s, scale, sums);
        }
        return loss;
      });
      double allPairs = GradientAveraging.average((double) pairs, group) * group.size();
      long allTokens = Math.round(GradientAveraging.average((double) stepTokens, group) * group.size());
      tokens += allTokens;
      lastLoss = result.loss();
      double[] mean = new double[sums.length];
      for (int i = 0; i < sums.length; i++) {
        mean[i] = GradientAveraging.average(sums[i], group) * group.size() / allPairs;
      }
      Map<String, Object> extra = new LinkedHashMap<>();
      extra.put("epoch", batches.epoch());
      extra.put("rewards/chosen", mean[1]);
      extra.put("rewards/rejected", mean[2]);
      extra.put("rewards/margins", mean[1] - mean[2]);
      extra.put("rewards/accuracies", mean[0]);
      extra.put("logps/chosen", mean[3]);
      extra.put("logps/rejected", mean[4]);
      extra.put("kl/chosen", mean[5]);
      long step = trainer.step();
      if (writer) {
        log.step(result, allTokens, tokens, last == null ? Double.NaN : last.loss(), extra);
      }
      if (step % s.evalInterval() == 0 || step == steps) {
        last = heldout(logps, val, reference, s, group);
        if (writer) {
          log.validation(step, last.loss(), "held-out DPO loss");
          report(console, step, last, val.size());
        }
      }
      if (writer && (step % s.checkpointInterval() == 0 || step == steps)) {
        Checkpoint.save(out, policy, trainer.optimizer(), new TrainerState(step, tokens, batches.cursor(), s.seed()),
            out.resolve(Checkpoint.TOKENIZER), s.keepLast());
      }
    }
    if (last == null) { // resumed after the last checkpoint: evaluate what is there
      last = heldout(logps, val, reference, s, group);
    }
    if (writer) {
      log.finish();
    }
    JobStats stats = new JobStats()
        .put("output", out.toString())
        .put("base", base.toString())
        .put("parameters", params)
        .put("trainable_parameters", trainable)
        .put("lora_rank", lora.rank())
        .put("beta", s.beta())
        .put("loss_type", s.lossType().name().toLowerCase(Locale.ROOT))
        .put("steps", trainer.step())
        .put("train_pairs", train.size())
        .put("val_pairs", val.size())
        .put("tokens_seen", tokens)
        .put("train_loss", Double.isNaN(lastLoss) ? null : lastLoss)
        .put("workers", group.size());
    if (first != null) {
      stats.put("val_accuracy_at_start", first.accuracy()).put("val_margin_at_start", first.margin());
    }
    return stats.put("val_loss", last.loss()).put("val_accuracy", last.accuracy()).put("val_margin", last.margin())
        .put("val_logps_chosen", last.logpChosen()).put("val_logps_rejected", last.logpRejected())
        .put("val_kl_chosen", last.klChosen());
  }

  /**
   * One batch through the policy: answer log-probs of chosen and rejected, the stored reference's, the DPO loss on
   * them, and each chosen answer's token count. The forward pass stays in the engine for a backward.
   */
  record Scored(double[] policyChosen, double[] policyRejected, double[] refChosen, double[] refRejected,
      int[] chosenTokens, DpoLoss.Result loss) {

    /** Adds logp chosen, logp rejected and the per-token log-ratio on the chosen answers to {@code sums[3..5]}. */
    void addLogps(double[] sums) {
      for (int i = 0; i < policyChosen.length; i++) {
        sums[3] += policyChosen[i];
        sums[4] += policyRejected[i];
        sums[5] += (policyChosen[i] - refChosen[i]) / chosenTokens[i];
      }
    }
  }

  static Scored score(AnswerLogProbs logps, List<Pair> batch, ReferenceLogProbs reference, DpoSettings s) {
    int n = batch.size();
    double[] lp = logps.forward(ReferenceLogProbs.rows(batch), ReferenceLogProbs.prompts(batch));
    int[] answerTokens = logps.answerTokens();
    double[] pc = new double[n];
    double[] pr = new double[n];
    double[] rc = new double[n];
    double[] rr = new double[n];
    int[] chosenTokens = new int[n];
    for (int i = 0; i < n; i++) {
      pc[i] = lp[2 * i];
      pr[i] = lp[2 * i + 1];
      ReferenceLogProbs.Entry ref = reference.of(batch.get(i));
      rc[i] = ref.chosen();
      rr[i] = ref.rejected();
      chosenTokens[i] = answerTokens[2 * i];
    }
    return new Scored(pc, pr, rc, rr, chosenTokens, DpoLoss.of(pc, pr, rc, rr, s.beta(), s.labelSmoothing(),
        s.lossType()));
  }

  /**
   * Forward, loss and backward of one micro-batch; adds TRL's statistics to {@code sums}; returns the summed loss
   * (DPO plus, with sft-weight, the chosen answers' mean next-token loss).
   */
  static double forwardBackward(AnswerLogProbs logps, List<Pair> batch, ReferenceLogProbs reference, DpoSettings s,
      double scale, double[] sums) {
    Scored sc = score(logps, batch, reference, s);
    DpoLoss.Result r = sc.loss();
    int n = batch.size();
    double loss = r.loss();
    double[] perRow = new double[2 * n];
    double[] perToken = new double[2 * n];
    for (int i = 0; i < n; i++) {
      perRow[2 * i] = r.dChosen()[i] * scale;
      perRow[2 * i + 1] = r.dRejected()[i] * scale;
      if (s.sftWeight() > 0) { // + w x (-logpi(chosen) / tokens)
        loss += -s.sftWeight() * sc.policyChosen()[i] / sc.chosenTokens()[i];
        perToken[2 * i] = -s.sftWeight() / sc.chosenTokens()[i] * scale;
      }
    }
    logps.backward(perRow, perToken);
    sc.addLogps(sums);
    sums[0] += r.correct();
    sums[1] += r.chosenRewards();
    sums[2] += r.rejectedRewards();
    return loss;
  }

  /**
   * Held-out figures of the implicit reward: DPO loss, pairwise accuracy (ties half), mean margin
   * {@code beta h}, mean answer log-probs and per-token log-ratio on the chosen answers.
   */
  record Heldout(double loss, double accuracy, double margin, double logpChosen, double logpRejected,
      double klChosen) {}

  static Heldout heldout(AnswerLogProbs logps, List<Pair> val, ReferenceLogProbs reference, DpoSettings s,
      WorkerGroup group) {
    double[] sums = new double[6]; // loss, correct, margin, logp chosen, logp rejected, log-ratio
    int batches = (val.size() + s.batchSize() - 1) / s.batchSize();
    for (int b = group.rank(); b < batches; b += group.size()) {
      Scored sc = score(logps, val.subList(b * s.batchSize(), Math.min(val.size(), (b + 1) * s.batchSize())),
          reference, s);
      sc.addLogps(sums);
      sums[0] += sc.loss().loss();
      sums[1] += sc.loss().correct();
      sums[2] += sc.loss().chosenRewards() - sc.loss().rejectedRewards();
    }
    double n = Math.max(1, val.size());
    double[] m = new double[sums.length];
    for (int i = 0; i < sums.length; i++) {
      m[i] = GradientAveraging.average(sums[i], group) * group.size() / n;
    }
    return val.isEmpty() ? new Heldout(Double.NaN, Double.NaN, Double.NaN, Double.NaN, Double.NaN, Double.NaN)
        : new Heldout(m[0], m[1], m[2], m[3], m[4], m[5]);
  }

  private static void report(PrintStream console, long step, Heldout h, int pairs) {
    console.printf(Locale.ROOT, "dpo: step %d held-out implicit-reward accuracy %.3f, margin %.3f, logps chosen %.2f "
        + "rejected %.2f, log-ratio/token on chosen %.4f (%d pairs)%n", step, h.accuracy(), h.margin(),
        h.logpChosen(), h.logpRejected(), h.klChosen(), pairs);
  }

  static int padId(Path run) {
    try {
      return padId(Files.readAllBytes(run.resolve(Checkpoint.TOKENIZER)));
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read " + run.resolve(Checkpoint.TOKENIZER), e);
    }
  }

  private static int padId(byte[] tokenizerJson) {
    return TokenizerJson.read(tokenizerJson).specialId(SpecialTokens.PAD);
  }
}
