package io.llmforge.trainer.pretrain;

import io.llmforge.trainer.checkpoint.Checkpoint;
import io.llmforge.trainer.checkpoint.RunFolder;
import io.llmforge.trainer.checkpoint.TrainerState;
import io.llmforge.trainer.data.TokenBatches;
import io.llmforge.trainer.distributed.GradientAveraging;
import io.llmforge.trainer.distributed.WorkerGroup;
import io.llmforge.trainer.engine.Backend;
import io.llmforge.trainer.engine.GptConfig;
import io.llmforge.trainer.loop.Trainer;
import io.llmforge.trainer.metrics.TrainingLog;
import io.llmforge.trainer.engine.GptEngine;

import io.llmforge.pipeline.shards.ShardManifest;
import io.llmforge.pipeline.spark.JobStats;
import io.llmforge.pipeline.tokenizer.TokenizerJson;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;

/**
 * The pretraining run: token shards in, a checkpoint folder out. Evaluates the validation loss every
 * {@code eval-interval} steps, logs loss, learning rate, gradient norm, tokens/s and MFU every {@code log-interval}
 * steps (console and metrics.jsonl), draws loss_curve.svg, and checkpoints every {@code checkpoint-interval} steps.
 * Started again on the same output it resumes from the last checkpoint exactly where it stopped (also to extend a
 * finished run to a larger {@code max-steps}); a run that reached {@code max-steps} is skipped unless overwrite.
 *
 * <p>{@link #run} is the single process. Data-parallel training ({@link DistributedPretraining}) uses the two halves:
 * {@link #prepare} once (the driver), then {@link #train} in every worker of a {@link WorkerGroup}; each worker
 * reads its slice of every global batch, gradients are averaged across workers, and only rank 0 writes metrics,
 * checkpoints and the final stats, so the output folder looks the same as a single process's.
 */
public final class Pretraining {
  private static final PrintStream QUIET = new PrintStream(java.io.OutputStream.nullOutputStream());

  private Pretraining() {}

  /** The whole run in this process. */
  public static JobStats run(PretrainSettings s, Configuration hadoop, PrintStream console) {
    Optional<JobStats> skipped = prepare(s, hadoop, console);
    if (skipped.isPresent()) {
      return skipped.get();
    }
    return train(s, hadoop, console, WorkerGroup.single());
  }

  /**
   * Readies the output folder before any training: deletes it on overwrite, skips a finished run (returning its
   * "skipped" stats), reopens a finished run asked for more steps, refuses a checkpoint of another model, and on a
   * fresh start creates the folder with the shards' tokenizer in it.
   */
  public static Optional<JobStats> prepare(PretrainSettings s, Configuration hadoop, PrintStream console) {
    Path out = Path.of(s.output());
    Optional<JobStats> skipped = RunFolder.open("pretrain", out, s.overwrite(), s.resume(), s.maxSteps(), console);
    if (skipped.isPresent()) {
      return skipped;
    }
    ShardManifest manifest = ShardManifest.read(hadoop, s.shards());
    GptConfig config = s.model(manifest.vocabSize(), manifest.seqLen());
    if (Checkpoint.exists(out)) {
      requireSameModel(Checkpoint.latestGood(out, QUIET).orElseThrow(), config);
    } else {
      copyTokenizer(hadoop, s.shards(), manifest, out);
    }
    return Optional.empty();
  }

  /**
   * Trains one worker of {@code group} from the checkpoint in the output (or from scratch) to {@code max-steps}.
   * Every worker must call it with the same settings; rank 0 prints progress, writes metrics, checkpoints, stats.json
   * and _SUCCESS, and returns the run's stats (other ranks return their own, unwritten).
   */
  public static JobStats train(PretrainSettings s, Configuration hadoop, PrintStream console, WorkerGroup group) {
    Path out = Path.of(s.output());
    boolean writer = group.rank() == 0;
    ShardManifest manifest = ShardManifest.read(hadoop, s.shards());
    GptConfig config = s.model(manifest.vocabSize(), manifest.seqLen());
    GptEngine model = new GptEngine(config);
    Trainer trainer = new Trainer(model, s.optimizer());

    TrainerState state;
    // prepare() has already reported any checkpoint it skipped, on the driver
    Optional<Path> good = s.resume() ? Checkpoint.latestGood(out, QUIET) : Optional.empty();
    if (good.isPresent()) {
      requireSameModel(good.get(), config);
      state = Checkpoint.restore(good.get(), model, trainer.optimizer());
      if (writer) {
        console.printf(Locale.ROOT, "pretrain: resuming %s at step %d (%d tokens seen)%n", out, state.step(),
            state.tokensSeen());
      }
    } else {
      state = new TrainerState(0, 0, TokenBatches.Cursor.START, config.seed());
      if (writer) {
        RunFolder.create(out);
      }
    }
    long params = model.parameters().count();
    long tokensPerStep = tokensPerStep(s, config, group);
    if (writer) {
      console.println("pretrain: " + Backend.describe());
      console.printf(Locale.ROOT, "pretrain: %s, %.2fM parameters, %d train rows, %d steps of %d tokens%s%n", config,
          params / 1e6, manifest.splits().getOrDefault(ShardManifest.TRAIN, new ShardManifest.Split(0, 0, 0, 0, 0))
              .rows(), s.maxSteps(), tokensPerStep,
          group.size() > 1 ? " (" + group.size() + " data-parallel workers)" : "");
    }

    long tokens = state.tokensSeen();
    double lastVal = Double.NaN;
    double lastLoss = Double.NaN;
    long started = System.nanoTime();
    TrainingLog log = new TrainingLog(out, console, config, params, s.peakTflops() * group.size(), s.maxSteps(),
        s.logInterval(), state.step());
    if (writer) { // lines after the restored checkpoint belong to steps that run again
      log.metrics().truncateAfter(good.isPresent() ? state.step() : -1);
    }
    try (TokenBatches batches = new TokenBatches(hadoop, s.shards(), manifest, ShardManifest.TRAIN, s.batchSize(),
        group.rank(), group.size(), state.cursor())) {
      if (trainer.step() == 0) {
        lastVal = validationLoss(model, hadoop, s, manifest, group);
        if (writer) {
          log.initialValidation(lastVal);
        }
      }
      while (trainer.step() < s.maxSteps()) {
        List<int[][]> micro = new ArrayList<>();
        for (int i = 0; i < s.optimizer().gradAccumSteps(); i++) {
          micro.add(batches.next());
        }
        Trainer.StepResult result = trainer.step(micro, group);
        long step = trainer.step();
        tokens += tokensPerStep;
        lastLoss = result.loss();
        if (writer) {
          log.step(result, tokensPerStep, tokens, lastVal, Map.of());
        }
        if (step % s.evalInterval() == 0 || step == s.maxSteps()) {
          lastVal = validationLoss(model, hadoop, s, manifest, group);
          if (writer) {
            log.validation(step, lastVal, "val loss");
          }
        }
        if (writer && (step % s.checkpointInterval() == 0 || step == s.maxSteps())) {
          Checkpoint.save(out, model, trainer.optimizer(),
              new TrainerState(step, tokens, batches.cursor(), config.seed()),
              out.resolve(ShardManifest.TOKENIZER_FILE), s.keepLast());
        }
      }
    }
    if (Double.isNaN(lastVal)) { // killed after the last checkpoint but before finishing: nothing ran now
      lastVal = validationLoss(model, hadoop, s, manifest, group);
    }
    double seconds = (System.nanoTime() - started) / 1e9;
    JobStats stats = new JobStats()
        .put("output", out.toString())
        .put("parameters", params)
        .put("steps", trainer.step())
        .put("tokens_seen", tokens)
        .put("train_loss", Double.isNaN(lastLoss) ? null : lastLoss) // null: no step ran in this session
        .put("val_loss", lastVal)
        .put("workers", group.size())
        .put("seconds_this_session", seconds)
        .put("tokens_per_s_this_session", (tokens - state.tokensSeen()) / seconds);
    if (writer) {
      log.finish();
      RunFolder.finish(out, stats);
    }
    return stats;
  }

  /** Mean loss over the first {@code eval-batches} batches of the val split (the same batches every time). */
  public static double validationLoss(GptEngine model, Configuration hadoop, PretrainSettings s,
      ShardManifest manifest) {
    return validationLoss(model, hadoop, s, manifest, WorkerGroup.single());
  }

  /**
   * The validation loss of a data-parallel group: every worker evaluates its slice of the same global val batches
   * ({@code group.size() x batch-size} rows each), and the means are averaged; equal to a single process's loss
   * with the global batch size.
   */
  public static double validationLoss(GptEngine model, Configuration hadoop, PretrainSettings s,
      ShardManifest manifest, WorkerGroup group) {
    String split = manifest.shardsOf(ShardManifest.VAL).isEmpty() ? ShardManifest.TRAIN : ShardManifest.VAL;
    double sum = 0;
    try (TokenBatches val = new TokenBatches(hadoop, s.shards(), manifest, split, s.batchSize(), group.rank(),
        group.size(), TokenBatches.Cursor.START)) {
      for (int i = 0; i < s.evalBatches(); i++) {
        sum += Trainer.loss(model, val.next());
      }
    }
    return GradientAveraging.average(sum / s.evalBatches(), group);
  }

  private static void requireSameModel(Path checkpoint, GptConfig config) {
    GptConfig saved = Checkpoint.readConfig(checkpoint);
    if (!saved.equals(config)) {
      throw new IllegalStateException(checkpoint + " holds a checkpoint of another model (" + saved + ", this run: "
          + config + "); use --overwrite or another output");
    }
  }

  /** Tokens of one global batch: every worker's micro-batches. */
  private static long tokensPerStep(PretrainSettings s, GptConfig c, WorkerGroup group) {
    return (long) group.size() * s.batchSize() * s.optimizer().gradAccumSteps() * c.blockSize();
  }


  /**
   * Checks the shards against the tokenizer.json stored next to them (refusing ids from another tokenizer) and
   * copies it into the checkpoint folder, so generation needs nothing else.
   */
  private static void copyTokenizer(Configuration hadoop, String shards, ShardManifest manifest, Path out) {
    org.apache.hadoop.fs.Path source = new org.apache.hadoop.fs.Path(shards, ShardManifest.TOKENIZER_FILE);
    try {
      FileSystem fs = source.getFileSystem(hadoop);
      if (fs.exists(source)) {
        byte[] json;
        try (InputStream in = fs.open(source)) {
          json = in.readAllBytes();
        }
        manifest.verifyAgainst(TokenizerJson.read(json));
        Files.write(out.resolve(ShardManifest.TOKENIZER_FILE), json);
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot copy " + source, e);
    }
  }

}
