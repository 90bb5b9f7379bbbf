package io.llmforge.trainer.sft;

import io.llmforge.pipeline.shards.ShardManifest;
import io.llmforge.pipeline.spark.JobStats;
import io.llmforge.pipeline.tokenizer.ByteLevelBpe;
import io.llmforge.pipeline.tokenizer.SmallFiles;
import io.llmforge.pipeline.tokenizer.SpecialTokens;
import io.llmforge.pipeline.tokenizer.TokenizerJson;
import io.llmforge.trainer.checkpoint.Checkpoint;
import io.llmforge.trainer.checkpoint.RunFolder;
import io.llmforge.trainer.checkpoint.TrainerState;
import io.llmforge.trainer.data.TokenBatches;
import io.llmforge.trainer.data.TokenRows;
import io.llmforge.trainer.distributed.GradientAveraging;
import io.llmforge.trainer.distributed.WorkerGroup;
import io.llmforge.trainer.engine.Backend;
import io.llmforge.trainer.engine.GptConfig;
import io.llmforge.trainer.engine.GptEngine;
import io.llmforge.trainer.engine.LoraSettings;
import io.llmforge.trainer.loop.Trainer;
import io.llmforge.trainer.metrics.TrainingLog;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import org.apache.hadoop.conf.Configuration;
import org.nd4j.linalg.api.buffer.DataType;

/**
 * The SFT run: an sft-prepare output and a pretrained checkpoint in, a checkpoint folder out, with the same
 * machinery as pretraining ({@link Trainer}'s step, checkpoints, exact resume, metrics.jsonl, loss_curve.svg,
 * progress line, data-parallel workers). The loss is the pretraining loss on the loss mask's targets only.
 *
 * <p>Full fine-tuning trains every weight; with LoRA the base is frozen (no gradient at all) and only the adapters
 * train; checkpoints then carry the adapters apart ({@code adapter.safetensors}) and {@code SftMerge} folds them in.
 * With replay, {@code replay.fraction} of each micro-batch's rows are pretraining rows (every token a target).
 *
 * <p>Before any training it fails when the data's tokenizer is not the base model's (sha256), when the loss mask
 * is all zero, when {@code <|end|>} is never a target (the model would never learn to stop), or when rows are longer
 * than the model's block.
 */
public final class SftTraining {
  private static final PrintStream QUIET = new PrintStream(OutputStream.nullOutputStream());

  private SftTraining() {}

  /** The whole run in this process. */
  public static JobStats run(SftSettings s, Configuration hadoop, PrintStream console) {
    Optional<JobStats> skipped = prepare(s, hadoop, console);
    if (skipped.isPresent()) {
      return skipped.get();
    }
    return train(s, hadoop, console, WorkerGroup.single());
  }

  /** What a run reads, checked. */
  record Inputs(SftManifest manifest, Path baseCheckpoint, GptConfig config, ShardManifest replay, LoraSettings lora) {}

  /** Checks data and base model against each other (before any work), then readies the output folder. */
  public static Optional<JobStats> prepare(SftSettings s, Configuration hadoop, PrintStream console) {
    Inputs in = inputs(s, hadoop, console);
    Path out = Path.of(s.output());
    Optional<JobStats> skipped = RunFolder.open("sft", out, s.overwrite(), s.resume(), s.maxSteps(), console);
    if (skipped.isPresent()) {
      return skipped;
    }
    if (Checkpoint.exists(out)) {
      Path good = Checkpoint.latestGood(out, QUIET).orElseThrow();
      if (!Checkpoint.readConfig(good).equals(in.config()) || !Checkpoint.readLora(good).equals(in.lora())) {
        throw new IllegalStateException(good + " is a checkpoint of another model or LoRA setting ("
            + Checkpoint.readConfig(good) + ", " + Checkpoint.readLora(good) + "; this run: " + in.config() + ", "
            + in.lora() + "); use --overwrite or another output");
      }
    } else {
      byte[] tokenizer = SmallFiles.read(hadoop, new org.apache.hadoop.fs.Path(s.data(),
          SftPrepareJob.TOKENIZER_FILE).toString());
      try {
        Files.write(out.resolve(Checkpoint.TOKENIZER), tokenizer);
      } catch (IOException e) {
        throw new UncheckedIOException("cannot write " + out.resolve(Checkpoint.TOKENIZER), e);
      }
    }
    return Optional.empty();
  }

  static Inputs inputs(SftSettings s, Configuration hadoop, PrintStream console) {
    SftManifest manifest = SftManifest.read(hadoop, s.data());
    Path base = Checkpoint.resolve(Path.of(s.base()), console);
    GptConfig config = Checkpoint.readConfig(base);
    Path tokenizerFile = Checkpoint.tokenizerFile(base);
    if (!Files.isRegularFile(tokenizerFile)) {
      throw new IllegalStateException("sft.base: " + base + " has no " + Checkpoint.TOKENIZER);
    }
    ByteLevelBpe tokenizer = readTokenizer(tokenizerFile);
    if (!tokenizer.fingerprint().equals(manifest.tokenizerSha256())) {
      throw new IllegalStateException("sft: the data " + s.data() + " was rendered with tokenizer "
          + shortSha(manifest.tokenizerSha256()) + ", but the base model " + base + " uses "
          + shortSha(tokenizer.fingerprint()) + "; run sft-prepare with sft-prepare.base = the same model");
    }
    if (manifest.maxTokens() > config.blockSize() + 1) {
      throw new IllegalStateException("sft: the data's rows have up to " + manifest.maxTokens() + " ids, but the "
          + "base model's block is " + config.blockSize() + "; run sft-prepare with this base");
    }
    SftManifest.Split train = manifest.split(ConversationRenderer.TRAIN);
    if (train.targets() == 0) {
      throw new IllegalStateException("sft: the loss mask of " + s.data() + " is all zero (" + train.conversations()
          + " training conversations, no assistant token to learn); check the data and sft-prepare's options");
    }
    if (train.endTargets() == 0) {
      throw new IllegalStateException("sft: " + SpecialTokens.END + " is never a target in " + s.data()
          + ": the model would never learn to stop; render the data with sft-prepare");
    }
    ShardManifest replay = null;
    if (s.replayRows() > 0) {
      replay = ShardManifest.read(hadoop, s.replayShards());
      replay.verifyAgainst(tokenizer);
      if (replay.seqLen() > config.blockSize()) {
        throw new IllegalStateException("sft.replay.shards: rows of " + replay.seqLen() + " tokens do not fit the "
            + "model's block of " + config.blockSize());
      }
    }
    return new Inputs(manifest, base, config, replay, lora(s, tokenizer));
  }

  /** The run's LoRA settings with sft.lora.trainable-tokens resolved to ids of the base model's tokenizer. */
  static LoraSettings lora(SftSettings s, ByteLevelBpe tokenizer) {
    if (!s.lora().enabled() || s.trainableTokens().isEmpty()) {
      return s.lora();
    }
    List<Integer> ids = new ArrayList<>();
    for (String token : s.trainableTokens()) {
      try {
        ids.add(tokenizer.specialId(token));
      } catch (IllegalArgumentException e) {
        throw new IllegalStateException("sft.lora.trainable-tokens: " + e.getMessage());
      }
    }
    return s.lora().withTrainableTokens(ids);
  }

  /**
   * Trains one worker of {@code group} to {@code max-steps}, from the base model or the newest checkpoint in the
   * output. Rank 0 prints progress and writes metrics, checkpoints, stats.json and _SUCCESS.
   */
  public static JobStats train(SftSettings s, Configuration hadoop, PrintStream console, WorkerGroup group) {
    Path out = Path.of(s.output());
    boolean writer = group.rank() == 0;
    Inputs in = inputs(s, hadoop, QUIET);
    GptConfig config = in.config();
    LoraSettings lora = in.lora();
    GptEngine model = new GptEngine(config, DataType.FLOAT, lora, lora.enabled() ? name -> false : name -> true);
    model.embeddingNoise(s.neftuneNoiseAlpha());
    Trainer trainer = new Trainer(model, s.optimizer());
    int padId = readTokenizer(out.resolve(Checkpoint.TOKENIZER)).specialId(SpecialTokens.PAD);

    List<SftDataset.Example> train = SftDataset.load(hadoop, s.data(), in.manifest(), ConversationRenderer.TRAIN);
    List<SftDataset.Example> val = SftDataset.load(hadoop, s.data(), in.manifest(), ConversationRenderer.VAL);
    requireTargets(train, s.data());

    TrainerState state;
    Optional<Path> good = s.resume() ? Checkpoint.latestGood(out, QUIET) : Optional.empty();
    if (good.isPresent()) {
      state = Checkpoint.restore(good.get(), model, trainer.optimizer());
      if (writer) {
        console.printf(Locale.ROOT, "sft: resuming %s at step %d (epoch %d)%n", out, state.step(),
            state.cursor().epoch());
      }
    } else {
      Checkpoint.loadWeights(in.baseCheckpoint(), model);
      state = new TrainerState(0, 0, TokenBatches.Cursor.START, s.seed(),
          s.replayRows() > 0 ? TokenBatches.Cursor.START : null);
    }
    long params = model.parameters().count();
    long trainable = model.parameters().trainableCount();
    if (writer) {
      console.println("sft: " + Backend.describe());
      console.printf(Locale.ROOT, "sft: from %s, %s; %s: %,d of %,d parameters train (%.2f%%)%n",
          in.baseCheckpoint(), config, lora.enabled() ? "LoRA rank " + lora.rank() + " alpha " + lora.alpha()
              + " on " + lora.targets() + (lora.trainableTokens().isEmpty() ? "" : " + the embedding rows of "
              + s.trainableTokens()) : "full fine-tuning", trainable, params, 100.0 * trainable / params);
      if (s.neftuneNoiseAlpha() > 0) {
        console.printf(Locale.ROOT, "sft: NEFTune noise on the input embeddings, alpha %s%n", s.neftuneNoiseAlpha());
      }
      console.printf(Locale.ROOT, "sft: %d training and %d held-out conversations, %d steps of %d rows%s%s%n",
          train.size(), val.size(), s.maxSteps(), (long) group.size() * s.batchSize() * s.optimizer().gradAccumSteps(),
          s.replayRows() > 0 ? " (" + s.replayRows() + " of each " + s.batchSize() + " replayed from "
              + s.replayShards() + ")" : "",
          group.size() > 1 ? ", " + group.size() + " data-parallel workers" : "");
    }

    long tokens = state.tokensSeen();
    double lastVal = Double.NaN;
    double firstVal = Double.NaN;
    double lastLoss = Double.NaN;
    long started = System.nanoTime();
    TrainingLog log = new TrainingLog(out, console, config, params, s.peakTflops() * group.size(), s.maxSteps(),
        s.logInterval(), state.step());
    if (writer) { // lines after the restored checkpoint belong to steps that run again
      log.metrics().truncateAfter(good.isPresent() ? state.step() : -1);
    }
    SftBatches batches = new SftBatches(train, s.batchSize() - s.replayRows(), group.rank(), group.size(), s.seed(),
        s.groupByLength(), state.cursor());
    try (TokenBatches replay = s.replayRows() == 0 ? null : new TokenBatches(hadoop, s.replayShards(), in.replay(),
        ShardManifest.TRAIN, s.replayRows(), group.rank(), group.size(), state.replay())) {
      if (trainer.step() == 0) {
        lastVal = firstVal = validationLoss(model, val, s, padId, group);
        if (writer) {
          log.initialValidation(lastVal);
        }
      }
      while (trainer.step() < s.maxSteps()) {
        List<TokenRows> micro = new ArrayList<>();
        long stepTokens = 0;
        for (int i = 0; i < s.optimizer().gradAccumSteps(); i++) {
          List<SftDataset.Example> rows = new ArrayList<>(batches.next());
          if (replay != null) {
            for (int[] r : replay.next()) {
              rows.add(SftBatches.replay(r));
            }
          }
          for (SftDataset.Example e : rows) {
            stepTokens += e.tokens().length - 1;
          }
          micro.add(SftBatches.rows(rows, padId, config.blockSize()));
        }
        Trainer.StepResult result = trainer.stepOn(micro, group);
        long step = trainer.step();
        long allTokens = Math.round(GradientAveraging.average((double) stepTokens, group) * group.size());
        tokens += allTokens;
        lastLoss = result.loss();
        if (writer) {
          Map<String, Object> extra = new LinkedHashMap<>();
          extra.put("epoch", batches.epoch());
          extra.put("targets", result.targets());
          log.step(result, allTokens, tokens, lastVal, extra);
        }
        if (step % s.evalInterval() == 0 || step == s.maxSteps()) {
          lastVal = validationLoss(model, val, s, padId, group);
          if (writer) {
            log.validation(step, lastVal, "held-out assistant-token loss");
          }
        }
        if (writer && (step % s.checkpointInterval() == 0 || step == s.maxSteps())) {
          Checkpoint.save(out, model, trainer.optimizer(), new TrainerState(step, tokens, batches.cursor(), s.seed(),
              replay == null ? null : replay.cursor()), out.resolve(Checkpoint.TOKENIZER), s.keepLast());
        }
      }
    }
    if (Double.isNaN(lastVal)) { // killed after the last checkpoint but before finishing: nothing ran now
      lastVal = validationLoss(model, val, s, padId, group);
    }
    double seconds = (System.nanoTime() - started) / 1e9;
    JobStats stats = new JobStats()
        .put("output", out.toString())
        .put("base", in.baseCheckpoint().toString())
        .put("parameters", params)
        .put("trainable_parameters", trainable)
        .put("trainable_share", (double) trainable / params)
        .put("lora_rank", lora.rank())
        .put("lora_trainable_tokens", lora.trainableTokens())
        .put("neftune_noise_alpha", s.neftuneNoiseAlpha())
        .put("steps", trainer.step())
        .put("epochs", batches.epoch() + (double) batches.cursor().row() / train.size())
        .put("train_conversations", train.size())
        .put("val_conversations", val.size())
        .put("tokens_seen", tokens)
        .put("train_loss", Double.isNaN(lastLoss) ? null : lastLoss)
        .put("val_loss_at_start", Double.isNaN(firstVal) ? null : firstVal) // null: resumed, or no val split
        .put("val_loss", Double.isNaN(lastVal) ? null : lastVal)
        .put("workers", group.size())
        .put("seconds_this_session", seconds);
    if (writer) {
      log.finish();
      RunFolder.finish(out, stats);
    }
    return stats;
  }

  /**
   * Mean loss per target token over the held-out conversations (all of them, or the first {@code eval-batches}
   * batches), in fixed batches; in a data-parallel group every worker takes every {@code size}-th batch and the sums
   * are combined, so the figure equals a single process's. NaN without held-out conversations.
   */
  public static double validationLoss(GptEngine model, List<SftDataset.Example> val, SftSettings s, int padId,
      WorkerGroup group) {
    return validationLoss(model, val, s.batchSize(), s.evalBatches(), padId, group);
  }

  /** {@link #validationLoss(GptEngine, List, SftSettings, int, WorkerGroup)} with explicit batching. */
  public static double validationLoss(GptEngine model, List<SftDataset.Example> val, int batchSize, int maxBatches,
      int padId, WorkerGroup group) {
    int batches = (val.size() + batchSize - 1) / batchSize;
    if (maxBatches > 0) {
      batches = Math.min(batches, maxBatches);
    }
    Trainer.Loss loss = new Trainer.Loss(0, 0);
    for (int b = group.rank(); b < batches; b += group.size()) {
      List<SftDataset.Example> batch = val.subList(b * batchSize, Math.min(val.size(), (b + 1) * batchSize));
      loss = loss.plus(Trainer.loss(model, SftBatches.rows(batch, padId, model.config().blockSize())));
    }
    double sum = GradientAveraging.average(loss.sum(), group);
    double targets = GradientAveraging.average((double) loss.targets(), group);
    return targets == 0 ? Double.NaN : sum / targets;
  }

  private static void requireTargets(List<SftDataset.Example> train, String data) {
    long targets = 0;
    for (SftDataset.Example e : train) {
      targets += e.targets();
    }
    if (targets == 0) {
      throw new IllegalStateException("sft: the loss mask of " + data + " is all zero: nothing to learn");
    }
  }

  private static ByteLevelBpe readTokenizer(Path file) {
    try {
      return TokenizerJson.read(Files.readAllBytes(file));
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read " + file, e);
    }
  }

  private static String shortSha(String sha) {
    return sha == null || sha.length() < 12 ? String.valueOf(sha) : sha.substring(0, 12);
  }
}
