package io.llmforge.trainer.reward;

import io.llmforge.pipeline.shards.StableHash;
import io.llmforge.pipeline.spark.JobStats;
import io.llmforge.pipeline.tokenizer.SmallFiles;
import io.llmforge.pipeline.tokenizer.TokenizerJson;
import io.llmforge.trainer.checkpoint.Checkpoint;
import io.llmforge.trainer.checkpoint.TrainerState;
import io.llmforge.trainer.data.EpochBatches;
import io.llmforge.trainer.data.TokenBatches;
import io.llmforge.trainer.distributed.GradientAveraging;
import io.llmforge.trainer.distributed.WorkerGroup;
import io.llmforge.trainer.engine.Backend;
import io.llmforge.trainer.engine.GptConfig;
import io.llmforge.trainer.engine.GptEngine;
import io.llmforge.trainer.loop.Trainer;
import io.llmforge.trainer.metrics.TrainingLog;
import io.llmforge.trainer.preference.PreferenceManifest;
import io.llmforge.trainer.preference.PreferencePairs;
import io.llmforge.trainer.preference.PreferencePairs.Pair;
import io.llmforge.trainer.preference.PreferencePrepareJob;
import io.llmforge.trainer.sft.ChatTemplate;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.io.Serializable;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import org.apache.hadoop.conf.Configuration;

/**
 * Trains one reward-model version: a backbone (an SFT or pretrain checkpoint, or the previous version for a warm
 * start) and the {@code score} head, on preference pairs with the {@link BradleyTerry} loss, with the machinery every
 * trainer shares ({@link Trainer}'s step, checkpoints and exact resume, metrics.jsonl with TRL's reward metric names,
 * loss curve, progress line, data-parallel workers). The version folder's metrics, watermark and _SUCCESS are the
 * driver's ({@link RewardTrainJob}).
 */
public final class RewardTraining {
  private static final PrintStream QUIET = new PrintStream(OutputStream.nullOutputStream());

  private RewardTraining() {}

  /**
   * What one version trains on and where.
   *
   * @param init           the checkpoint (or run folder) the weights start from
   * @param output         the version folder, e.g. {@code rm/v3}
   * @param newerThan      train on pairs created after this (ms); {@link Long#MIN_VALUE}: all of them
   * @param replayUpTo     replay only pairs created up to this (the promoted version's watermark: pairs between it
   *                       and {@code newerThan} belong to a candidate that failed the gate and are left out)
   * @param replayFraction with {@code newerThan}: older pairs mixed in, as a share of the new ones
   * @param steps          optimiser steps of the run
   */
  public record Plan(RewardSettings settings, String data, String init, String output, long newerThan,
      long replayUpTo, double replayFraction, int steps) implements Serializable {}

  /** The training pairs of a plan: the new ones and, for a retrain, a fixed-seed sample of older ones. */
  public static List<Pair> trainingPairs(Configuration hadoop, Plan plan, PreferenceManifest manifest) {
    List<Pair> all = PreferencePairs.load(hadoop, plan.data(), manifest, PreferencePrepareJob.TRAIN);
    List<Pair> fresh = new ArrayList<>(all.stream().filter(p -> p.createdAt() > plan.newerThan()).toList());
    if (plan.newerThan() == Long.MIN_VALUE || plan.replayFraction() == 0) {
      return fresh;
    }
    long seed = plan.settings().seed();
    List<Pair> older = new ArrayList<>(all.stream().filter(p -> p.createdAt() <= plan.replayUpTo())
        .sorted(Comparator.comparingLong(p -> StableHash.of(seed, "rm-replay", p.id()))).toList());
    int replay = (int) Math.min(older.size(), Math.round(plan.replayFraction() * fresh.size()));
    fresh.addAll(older.subList(0, replay));
    return fresh;
  }

  /**
   * Trains one worker of {@code group} to the plan's steps, from {@code init} or the newest checkpoint in the output.
   * Rank 0 prints progress and writes metrics and checkpoints.
   */
  public static JobStats train(Plan plan, Configuration hadoop, PrintStream console, WorkerGroup group) {
    RewardSettings s = plan.settings();
    Path out = Path.of(plan.output());
    boolean writer = group.rank() == 0;
    PreferenceManifest manifest = PreferenceManifest.read(hadoop, plan.data());
    Path init = Checkpoint.resolve(Path.of(plan.init()), QUIET);
    GptConfig config = Checkpoint.readConfig(init);
    byte[] tokenizerJson = SmallFiles.read(hadoop, new org.apache.hadoop.fs.Path(plan.data(),
        PreferencePrepareJob.TOKENIZER_FILE).toString());
    ChatTemplate template = new ChatTemplate(TokenizerJson.read(tokenizerJson));
    GptEngine engine = RewardModel.newEngine(config, s.lora());
    RewardModel model = new RewardModel(engine, template);
    Trainer trainer = new Trainer(engine, s.optimizerFor(plan.steps()));
    List<Pair> train = trainingPairs(hadoop, plan, manifest);
    List<Pair> val = PreferencePairs.load(hadoop, plan.data(), manifest, PreferencePrepareJob.VAL);
    if (train.isEmpty()) {
      throw new IllegalStateException("rm-train: no training pairs in " + plan.data() + " to train on");
    }
    if (writer) {
      try {
        Files.createDirectories(out);
        Files.write(out.resolve(Checkpoint.TOKENIZER), tokenizerJson);
      } catch (IOException e) {
        throw new UncheckedIOException("cannot write " + out.resolve(Checkpoint.TOKENIZER), e);
      }
    }

    TrainerState state;
    Optional<Path> good = Checkpoint.latestGood(out, QUIET);
    if (good.isPresent()) {
      state = Checkpoint.restore(good.get(), engine, trainer.optimizer());
      if (writer) {
        console.printf(Locale.ROOT, "rm-train: resuming %s at step %d%n", out, state.step());
      }
    } else {
      Checkpoint.loadWeights(init, engine);
      state = new TrainerState(0, 0, TokenBatches.Cursor.START, s.seed());
    }
    long params = engine.parameters().count();
    long trainable = engine.parameters().trainableCount();
    if (writer) {
      console.println("rm-train: " + Backend.describe());
      console.printf(Locale.ROOT, "rm-train: from %s, %s; %s: %,d of %,d parameters train (%.2f%%)%n", init, config,
          s.lora().enabled() ? "LoRA rank " + s.lora().rank() : "full fine-tuning", trainable, params,
          100.0 * trainable / params);
      console.printf(Locale.ROOT, "rm-train: %d training and %d held-out pairs, %d steps of %d pairs%s%n",
          train.size(), val.size(), plan.steps(), (long) group.size() * s.batchSize()
              * s.optimizer().gradAccumSteps(), group.size() > 1 ? ", " + group.size() + " data-parallel workers" : "");
    }
    long tokens = state.tokensSeen();
    TrainingLog log = new TrainingLog(out, console, config, params, s.peakTflops() * group.size(), plan.steps(),
        s.logInterval(), state.step());
    if (writer) {
      log.metrics().truncateAfter(good.isPresent() ? state.step() : -1);
    }
    EpochBatches<Pair> batches = new EpochBatches<>(train, Pair::length, s.batchSize(), group.rank(), group.size(),
        s.seed(), s.groupByLength(), state.cursor());
    double lastVal = Double.NaN;
    double lastLoss = Double.NaN;
    if (trainer.step() == 0) {
      lastVal = validate(model, val, s, group, console, writer, log, 0, true);
    }
    while (trainer.step() < plan.steps()) {
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
      double[] sums = new double[4]; // correct, margin, chosen, rejected
      Trainer.StepResult result = trainer.step(pairs, group, scale -> {
        double loss = 0;
        for (List<Pair> batch : micro) {
          BradleyTerry.Result r = forwardBackward(model, batch, s, scale);
          loss += r.loss();
          sums[0] += r.correct();
          sums[1] += r.marginSum();
          sums[2] += r.chosenSum();
          sums[3] += r.rejectedSum();
        }
        return loss;
      });
      long step = trainer.step();
      double allPairs = GradientAveraging.average((double) pairs, group) * group.size();
      long allTokens = Math.round(GradientAveraging.average((double) stepTokens, group) * group.size());
      tokens += allTokens;
      lastLoss = result.loss();
      Map<String, Object> extra = new LinkedHashMap<>();
      extra.put("epoch", batches.epoch());
      extra.put("rewards/accuracies", GradientAveraging.average(sums[0], group) * group.size() / allPairs);
      extra.put("rewards/margins", GradientAveraging.average(sums[1], group) * group.size() / allPairs);
      extra.put("rewards/chosen", GradientAveraging.average(sums[2], group) * group.size() / allPairs);
      extra.put("rewards/rejected", GradientAveraging.average(sums[3], group) * group.size() / allPairs);
      if (writer) {
        log.step(result, allTokens, tokens, lastVal, extra);
      }
      if (step % s.evalInterval() == 0 || step == plan.steps()) {
        lastVal = validate(model, val, s, group, console, writer, log, step, false);
      }
      if (writer && (step % s.checkpointInterval() == 0 || step == plan.steps())) {
        Checkpoint.save(out, engine, trainer.optimizer(), new TrainerState(step, tokens, batches.cursor(), s.seed()),
            out.resolve(Checkpoint.TOKENIZER), s.keepLast());
      }
    }
    if (writer) {
      log.finish();
    }
    return new JobStats()
        .put("output", out.toString())
        .put("init", init.toString())
        .put("parameters", params)
        .put("trainable_parameters", trainable)
        .put("lora_rank", s.lora().rank())
        .put("steps", trainer.step())
        .put("train_pairs", train.size())
        .put("val_pairs", val.size())
        .put("tokens_seen", tokens)
        .put("train_loss", Double.isNaN(lastLoss) ? null : lastLoss)
        .put("val_loss", Double.isNaN(lastVal) ? null : lastVal)
        .put("workers", group.size());
  }

  /** Forward, loss and backward of one micro-batch of pairs: rows chosen_0, rejected_0, chosen_1, ... */
  static BradleyTerry.Result forwardBackward(RewardModel model, List<Pair> batch, RewardSettings s, double scale) {
    List<int[]> rows = new ArrayList<>(2 * batch.size());
    double[] margins = new double[batch.size()];
    for (int i = 0; i < batch.size(); i++) {
      rows.add(batch.get(i).chosen());
      rows.add(batch.get(i).rejected());
      margins[i] = s.useMargin() ? batch.get(i).margin() : 0;
    }
    double[] r = model.forward(rows);
    double[] chosen = new double[batch.size()];
    double[] rejected = new double[batch.size()];
    for (int i = 0; i < batch.size(); i++) {
      chosen[i] = r[2 * i];
      rejected[i] = r[2 * i + 1];
    }
    BradleyTerry.Result result = BradleyTerry.of(chosen, rejected, margins, s.centring());
    double[] d = new double[rows.size()];
    for (int i = 0; i < batch.size(); i++) {
      d[2 * i] = result.dChosen()[i] * scale;
      d[2 * i + 1] = result.dRejected()[i] * scale;
    }
    model.backward(d);
    return result;
  }

  /**
   * Held-out pairwise loss (returned) and accuracy, every worker taking every {@code size}-th batch and the sums
   * combined, so the figures equal a single process's. NaN without held-out pairs.
   */
  private static double validate(RewardModel model, List<Pair> val, RewardSettings s, WorkerGroup group,
      PrintStream console, boolean writer, TrainingLog log, long step, boolean initial) {
    double loss = 0;
    double correct = 0;
    int batches = (val.size() + s.batchSize() - 1) / s.batchSize();
    for (int b = group.rank(); b < batches; b += group.size()) {
      List<Pair> batch = val.subList(b * s.batchSize(), Math.min(val.size(), (b + 1) * s.batchSize()));
      RewardEvaluation.Scores sc = RewardEvaluation.score(model, batch, s.batchSize());
      BradleyTerry.Result r = BradleyTerry.of(sc.chosen(), sc.rejected(), null, 0);
      loss += r.loss();
      correct += r.correct();
    }
    double n = val.size();
    double meanLoss = GradientAveraging.average(loss, group) * group.size() / n;
    double accuracy = GradientAveraging.average(correct, group) * group.size() / n;
    if (writer && val.size() > 0) {
      if (initial) {
        log.initialValidation(meanLoss);
      } else {
        log.validation(step, meanLoss, "held-out pairwise loss");
      }
      console.printf(Locale.ROOT, "rm-train: step %d held-out accuracy %.3f on %d pairs%n", step, accuracy,
          val.size());
    }
    return val.isEmpty() ? Double.NaN : meanLoss;
  }
}
