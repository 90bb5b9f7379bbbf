package io.llmforge.trainer.preference;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
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
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.io.Serializable;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
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
 * What the offline preference trainers share (TRL's one trainer per algorithm on a shared base): a policy
 * initialised from an SFT checkpoint (full or LoRA) trained against the same checkpoint as the frozen reference,
 * whose answer log-probs are computed once ({@link ReferenceLogProbs}) before training; {@link Trainer}'s step,
 * checkpoints and exact resume, metrics.jsonl, loss curve, progress line, held-out evaluation at the start, every
 * eval-interval and at the end, and data-parallel workers. A subclass says what an example is, how it becomes model
 * rows ({@link RowLayout}), its loss and its figures.
 *
 * <p>Fails before training when the data's tokenizer is not the reference's, when rows are longer than its block,
 * when the reference carries unmerged LoRA adapters, or when the algorithm's own check of its examples fails.
 * Serializable: data-parallel training ships the algorithm (its settings) to every executor.
 *
 * @param <T> one training example (a pair for DPO, a labelled answer for KTO)
 */
abstract class OfflineTraining<T> implements Serializable {
  private static final PrintStream QUIET = new PrintStream(OutputStream.nullOutputStream());

  /** Held-out loss and named figures (accuracy, margin, ...), in the order they are reported. */
  record Evaluation(double loss, Map<String, Double> figures) {

    /** The figure {@code best-metric} names. */
    double get(String metric) {
      return metric.equals("loss") ? loss : figures.getOrDefault(metric, Double.NaN);
    }
  }

  /** The training examples apart from the validation split carved out of them. */
  record Split<T>(List<T> train, List<T> validation) {}

  /**
   * The checkpoint the validation split liked best: its step, its validation figure and the held-out figures of that
   * step (reported, never used to choose). Kept in {@code <output>/best.json} next to the checkpoint in {@code best/}.
   */
  record Best(long step, double value, Evaluation heldOut) {}

  /** Where the best checkpoint (a one-checkpoint run folder) and its record live in the output. */
  static final String BEST = "best";
  static final String BEST_FILE = "best.json";
  private static final ObjectMapper JSON = new ObjectMapper();

  final OfflineSettings run;

  OfflineTraining(OfflineSettings run) {
    this.run = run;
  }

  /** The job's name: log prefix, run-folder kind, {@code <job>.distributed.workers} key. */
  abstract String job();

  /** What an example is called in messages ("pairs", "examples"). */
  abstract String unit();

  abstract RowLayout<T> layout();

  /** The example's prompt ids: the validation split is drawn by prompt, so no prompt trains and validates. */
  abstract int[] promptIds(T example);

  /** The examples of split {@code split} (TRAIN or VAL) of the data, rows of at most {@code maxIds} ids. */
  abstract List<T> load(Configuration conf, PreferenceManifest manifest, String split, int maxIds);

  /** Fails when examples cannot be learned from (identical answers, empty answer masks, ...). */
  abstract void check(List<T> examples);

  /** Ids of the example's longest row (for length-grouped batches). */
  abstract int length(T example);

  /** Ids the example puts through the model in a step. */
  abstract long tokens(T example);

  /** The loss and its settings, for the start-up line ("beta 0.1, sigmoid loss"). */
  abstract String describe();

  /** A line about the training examples worth the user's attention (class balance, say); empty for none. */
  String describe(List<T> train) {
    return "";
  }

  /** Adds the algorithm's settings to the job's stats. */
  abstract void describe(JobStats stats);

  /** How many statistics {@link #forwardBackward} adds up. */
  abstract int statistics();

  /**
   * Forward, loss and backward of one micro-batch, the gradient scaled by {@code scale}; adds the step's statistics
   * to {@code sums}; returns the summed loss. May use {@code group} for batch-level estimates (all workers call it
   * alike).
   */
  abstract double forwardBackward(AnswerLogProbs logps, List<T> batch, ReferenceLogProbs reference, double scale,
      double[] sums, WorkerGroup group);

  /** The step's metrics (TRL's names) from the statistics summed over all workers and {@code examples} examples. */
  abstract Map<String, Object> metrics(double[] sums, double examples);

  /** Held-out loss and figures, this worker taking every group-size-th batch of {@link RowLayout#batches}. */
  abstract Evaluation evaluate(AnswerLogProbs logps, List<T> val, ReferenceLogProbs reference, WorkerGroup group);

  /** The whole job: checks, the reference pass, training (here or on {@code workers} executors), stats. */
  final JobStats run(SparkSession spark, PrintStream console) {
    Configuration hadoop = spark.sparkContext().hadoopConfiguration();
    PreferenceManifest manifest = PreferenceManifest.read(hadoop, run.data());
    Path base = Checkpoint.resolve(Path.of(run.base()), console);
    checkReference(manifest, base);
    int maxIds = Checkpoint.readConfig(base).blockSize() + 1;
    List<T> train = load(hadoop, manifest, PreferencePrepareJob.TRAIN, maxIds);
    List<T> val = load(hadoop, manifest, PreferencePrepareJob.VAL, maxIds);
    check(train);
    check(val);
    int steps = run.steps(split(train).train().size());
    Path out = Path.of(run.output());
    Optional<JobStats> skipped = RunFolder.open(job(), out, run.overwrite(), run.resume(), steps, console);
    if (skipped.isPresent()) {
      return skipped.get();
    }
    byte[] tokenizer = SmallFiles.read(hadoop, new org.apache.hadoop.fs.Path(run.data(),
        PreferencePrepareJob.TOKENIZER_FILE).toString());
    try {
      Files.write(out.resolve(Checkpoint.TOKENIZER), tokenizer);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write " + out.resolve(Checkpoint.TOKENIZER), e);
    }
    String key = ReferenceLogProbs.key(layout().name(), base, manifest);
    if (ReferenceLogProbs.read(out, key).isPresent()) {
      console.println(job() + ": reusing the reference log-probs in " + out.resolve(ReferenceLogProbs.FILE));
    } else {
      GptEngine reference = new GptEngine(Checkpoint.readConfig(base), DataType.FLOAT, LoraSettings.NONE,
          name -> false);
      Checkpoint.loadWeights(base, reference);
      ReferenceLogProbs.compute(reference, padId(tokenizer), layout(), List.of(train, val), run.batchSize(), out,
          key, job(), console);
    }
    long t0 = System.nanoTime();
    JobStats stats;
    if (run.workers() == 0) {
      stats = train(steps, hadoop, train, val, console, WorkerGroup.single());
    } else {
      SparkContext sc = spark.sparkContext();
      String workersKey = job() + ".distributed.workers";
      DataParallel.requireSlots(sc.master(), run.workers(), workersKey);
      SerializableHadoopConf conf = new SerializableHadoopConf(hadoop);
      stats = DataParallel.train(sc, run.workers(), Duration.ofSeconds(run.exchangeTimeoutSeconds()), workersKey,
          group -> {
            PrintStream o = group.rank() == 0 ? System.out : QUIET;
            return train(steps, conf.get(), null, null, o, group);
          });
    }
    stats.put("seconds_this_session", (System.nanoTime() - t0) / 1e9);
    RunFolder.finish(out, stats);
    return stats;
  }

  private void checkReference(PreferenceManifest manifest, Path base) {
    Path tokenizer = Checkpoint.tokenizerFile(base);
    ByteLevelBpe bpe;
    try {
      bpe = TokenizerJson.read(Files.readAllBytes(tokenizer));
    } catch (IOException e) {
      throw new IllegalStateException(job() + ".base: " + base + " has no readable " + Checkpoint.TOKENIZER, e);
    }
    if (!bpe.fingerprint().equals(manifest.tokenizerSha256())) {
      throw new IllegalStateException(job() + ": the preferences " + run.data() + " were rendered with another "
          + "tokenizer than the reference " + base + " uses; run pref-prepare with pref-prepare.base = that model");
    }
    GptConfig config = Checkpoint.readConfig(base);
    if (manifest.maxTokens() > config.blockSize() + 1) {
      throw new IllegalStateException(job() + ": rows of " + run.data() + " have up to " + manifest.maxTokens()
          + " ids, more than the reference's block of " + config.blockSize() + " (+1)");
    }
    LoraSettings adapters = Checkpoint.readLora(base);
    if (!adapters.equals(LoraSettings.NONE)) {
      throw new IllegalStateException(job() + ".base: " + base + " carries LoRA adapters (" + adapters + "); fold "
          + "them in first (llmforge sft-merge), so policy and reference start from one set of weights");
    }
  }

  /**
   * Trains one worker of {@code group}; rank 0 writes metrics and checkpoints. {@code train}/{@code val} are the
   * examples when the caller has them (one process), null on an executor (read here).
   */
  final JobStats train(int steps, Configuration hadoop, List<T> trainSet, List<T> valSet, PrintStream console,
      WorkerGroup group) {
    Path out = Path.of(run.output());
    boolean writer = group.rank() == 0;
    PreferenceManifest manifest = PreferenceManifest.read(hadoop, run.data());
    Path base = Checkpoint.resolve(Path.of(run.base()), QUIET);
    GptConfig config = Checkpoint.readConfig(base);
    ReferenceLogProbs reference = ReferenceLogProbs.read(out, ReferenceLogProbs.key(layout().name(), base, manifest))
        .orElseThrow(() -> new IllegalStateException(job() + ": " + out.resolve(ReferenceLogProbs.FILE)
            + " is missing"));
    Split<T> split = split(trainSet != null ? trainSet
        : load(hadoop, manifest, PreferencePrepareJob.TRAIN, config.blockSize() + 1));
    List<T> train = split.train();
    List<T> validation = split.validation();
    List<T> val = valSet != null ? valSet : load(hadoop, manifest, PreferencePrepareJob.VAL, config.blockSize() + 1);
    LoraSettings lora = run.lora();
    GptEngine policy = new GptEngine(config, DataType.FLOAT, lora, lora.enabled() ? name -> false : name -> true);
    Trainer trainer = new Trainer(policy, run.optimizerFor(steps));
    AnswerLogProbs logps = new AnswerLogProbs(policy, padId(out));

    TrainerState state;
    Optional<Path> good = Checkpoint.latestGood(out, QUIET);
    if (good.isPresent()) {
      state = Checkpoint.restore(good.get(), policy, trainer.optimizer());
      if (writer) {
        console.printf(Locale.ROOT, "%s: resuming %s at step %d%n", job(), out, state.step());
      }
    } else {
      Checkpoint.loadWeights(base, policy);
      state = new TrainerState(0, 0, TokenBatches.Cursor.START, run.seed());
    }
    long params = policy.parameters().count();
    long trainable = policy.parameters().trainableCount();
    if (writer) {
      console.println(job() + ": " + Backend.describe());
      console.printf(Locale.ROOT, "%s: policy and reference from %s, %s; %s: %,d of %,d parameters train; %s%n",
          job(), base, config, lora.enabled() ? "LoRA rank " + lora.rank() : "full", trainable, params, describe());
      String validating = validation.isEmpty() ? ""
          : validation.size() + " validation (best " + run.bestMetric() + " picks the checkpoint), ";
      console.printf(Locale.ROOT, "%s: %d training, %s%d held-out %s, %d steps of %d %s%s%n", job(), train.size(),
          validating, val.size(), unit(), steps,
          (long) group.size() * run.batchSize() * run.optimizer().gradAccumSteps(), unit(),
          group.size() > 1 ? ", " + group.size() + " data-parallel workers" : "");
      String about = describe(train);
      if (!about.isEmpty()) {
        console.println(job() + ": " + about);
      }
    }
    long tokens = state.tokensSeen();
    TrainingLog log = new TrainingLog(out, console, config, params, run.peakTflops() * group.size(), steps,
        run.logInterval(), state.step());
    if (writer) {
      log.metrics().truncateAfter(good.isPresent() ? state.step() : -1);
    }
    EpochBatches<T> batches = new EpochBatches<>(train, this::length, run.batchSize(), group.rank(), group.size(),
        run.seed(), run.groupByLength(), state.cursor());
    Evaluation first = null;
    Evaluation last = null;
    double lastLoss = Double.NaN;
    Best best = good.isPresent() ? readBest(out).orElse(null) : null;
    if (trainer.step() == 0) {
      first = last = evaluate(logps, val, reference, group);
      if (writer) {
        log.initialValidation(first.loss());
        report(log, console, 0, "held-out", "eval/", first, val.size());
      }
      best = validate(logps, validation, reference, group, log, console, best, first, policy, trainer,
          new TrainerState(0, tokens, batches.cursor(), run.seed()));
    }
    while (trainer.step() < steps) {
      List<List<T>> micro = new ArrayList<>();
      long examples = 0;
      long stepTokens = 0;
      for (int i = 0; i < run.optimizer().gradAccumSteps(); i++) {
        List<T> batch = batches.next();
        micro.add(batch);
        examples += batch.size();
        for (T e : batch) {
          stepTokens += tokens(e);
        }
      }
      double[] sums = new double[statistics()];
      Trainer.StepResult result = trainer.step(examples, group, scale -> {
        double loss = 0;
        for (List<T> batch : micro) {
          loss += forwardBackward(logps, batch, reference, scale, sums, group);
        }
        return loss;
      });
      double[] counts = GradientAveraging.sum(new double[] {examples, stepTokens}, group);
      long allTokens = Math.round(counts[1]);
      tokens += allTokens;
      lastLoss = result.loss();
      Map<String, Object> extra = new LinkedHashMap<>();
      extra.put("epoch", batches.epoch());
      extra.putAll(metrics(GradientAveraging.sum(sums, group), counts[0]));
      long step = trainer.step();
      if (writer) {
        log.step(result, allTokens, tokens, last == null ? Double.NaN : last.loss(), extra);
      }
      if (step % run.evalInterval() == 0 || step == steps) {
        last = evaluate(logps, val, reference, group);
        if (writer) {
          log.validation(step, last.loss(), "held-out " + job().toUpperCase(Locale.ROOT) + " loss");
          report(log, console, step, "held-out", "eval/", last, val.size());
        }
        best = validate(logps, validation, reference, group, log, console, best, last, policy, trainer,
            new TrainerState(step, tokens, batches.cursor(), run.seed()));
      }
      if (writer && (step % run.checkpointInterval() == 0 || step == steps)) {
        Checkpoint.save(out, policy, trainer.optimizer(), new TrainerState(step, tokens, batches.cursor(),
            run.seed()), out.resolve(Checkpoint.TOKENIZER), run.keepLast());
      }
    }
    if (last == null) { // resumed after the last checkpoint: evaluate what is there
      last = evaluate(logps, val, reference, group);
    }
    if (writer) {
      log.finish();
      if (best != null) {
        console.printf(Locale.ROOT, "%s: best checkpoint by validation %s: step %d (%.4g); held-out accuracy there "
            + "%.4g -> %s%n", job(), run.bestMetric(), best.step(), best.value(), best.heldOut().get("accuracy"),
            out.resolve(BEST));
      }
    }
    JobStats stats = new JobStats()
        .put("output", out.toString())
        .put("base", base.toString())
        .put("parameters", params)
        .put("trainable_parameters", trainable)
        .put("lora_rank", lora.rank())
        .put("beta", run.beta())
        .put("steps", trainer.step())
        .put("train_" + unit(), train.size())
        .put("val_" + unit(), val.size())
        .put("tokens_seen", tokens)
        .put("train_loss", Double.isNaN(lastLoss) ? null : lastLoss)
        .put("workers", group.size());
    if (first != null) {
      first.figures().forEach((name, value) -> stats.put("val_" + name + "_at_start", value));
    }
    describe(stats);
    stats.put("val_loss", last.loss());
    last.figures().forEach((name, value) -> stats.put("val_" + name, value));
    stats.put("validation_" + unit(), validation.size());
    if (best != null) {
      Best b = best;
      stats.put("best_metric", run.bestMetric()).put("best_step", b.step())
          .put("validation_" + run.bestMetric() + "_best", b.value())
          .put("best_checkpoint", out.resolve(BEST).toString())
          .put("val_loss_at_best", b.heldOut().loss());
      b.heldOut().figures().forEach((name, value) -> stats.put("val_" + name + "_at_best", value));
    }
    return stats;
  }

  /**
   * {@code validation-fraction} of the training prompts, chosen by the sha256 of their ids (so the split depends on
   * neither file order nor seed), apart from the rest. Fails, naming the key, when the fraction leaves either side
   * empty.
   */
  final Split<T> split(List<T> all) {
    if (run.validationFraction() == 0) {
      return new Split<>(all, List.of());
    }
    List<T> train = new ArrayList<>();
    List<T> validation = new ArrayList<>();
    for (T e : all) {
      (inValidation(promptIds(e), run.validationFraction()) ? validation : train).add(e);
    }
    if (validation.isEmpty() || train.isEmpty()) {
      throw new IllegalStateException(job() + ".validation-fraction = " + run.validationFraction() + " leaves "
          + train.size() + " training and " + validation.size() + " validation " + unit() + " of " + all.size());
    }
    return new Split<>(train, validation);
  }

  /** Whether a prompt falls in the validation share: its ids' sha256, read as a fraction of 2^64. */
  static boolean inValidation(int[] promptIds, double fraction) {
    java.nio.ByteBuffer bytes = java.nio.ByteBuffer.allocate(4 * promptIds.length);
    bytes.asIntBuffer().put(promptIds);
    byte[] digest;
    try {
      digest = java.security.MessageDigest.getInstance("SHA-256").digest(bytes.array());
    } catch (java.security.NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
    long head = java.nio.ByteBuffer.wrap(digest).getLong();
    double u = (head >>> 11) * 0x1.0p-53; // the top 53 bits, uniform in [0, 1)
    return u < fraction;
  }

  /**
   * Evaluates the validation split (when there is one), reports it under {@code validation/} and, when it beats
   * {@code best}, copies the policy to {@code <output>/best/} and records the step with {@code heldOut}'s figures.
   */
  private Best validate(AnswerLogProbs logps, List<T> validation, ReferenceLogProbs reference, WorkerGroup group,
      TrainingLog log, PrintStream console, Best best, Evaluation heldOut, GptEngine policy, Trainer trainer,
      TrainerState state) {
    if (validation.isEmpty()) {
      return best;
    }
    Evaluation v = evaluate(logps, validation, reference, group);
    boolean writer = group.rank() == 0;
    if (writer) {
      report(log, console, state.step(), "validation", "validation/", v, validation.size());
    }
    double value = v.get(run.bestMetric());
    if (!run.better(value, best == null ? Double.NaN : best.value())) {
      return best;
    }
    Best now = new Best(state.step(), value, heldOut);
    if (writer) {
      Path out = Path.of(run.output());
      Checkpoint.save(out.resolve(BEST), policy, trainer.optimizer(), state, out.resolve(Checkpoint.TOKENIZER), 1);
      writeBest(out, now);
    }
    return now;
  }

  private void writeBest(Path out, Best best) {
    Map<String, Object> json = new LinkedHashMap<>();
    json.put("step", best.step());
    json.put("metric", run.bestMetric());
    json.put("value", best.value());
    json.put("held_out_loss", best.heldOut().loss());
    json.put("held_out", best.heldOut().figures());
    try {
      io.llmforge.trainer.reward.RewardVersions.writeAtomically(out.resolve(BEST_FILE),
          JSON.writeValueAsString(json));
    } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
      throw new IllegalStateException(e);
    }
  }

  /** The best checkpoint's record of a resumed run; empty when there is none or it cannot be read (re-found then). */
  private Optional<Best> readBest(Path out) {
    Path file = out.resolve(BEST_FILE);
    if (!Files.isRegularFile(file)) {
      return Optional.empty();
    }
    try {
      JsonNode n = JSON.readTree(file.toFile());
      Map<String, Double> figures = new LinkedHashMap<>();
      n.get("held_out").fields().forEachRemaining(f -> figures.put(f.getKey(),
          f.getValue().isNumber() ? f.getValue().asDouble() : Double.NaN));
      return Optional.of(new Best(n.get("step").asLong(), n.get("value").asDouble(),
          new Evaluation(n.get("held_out_loss").asDouble(), figures)));
    } catch (IOException | RuntimeException e) {
      System.err.println(job() + ": ignoring unreadable " + file + " (" + e.getMessage() + "); the best checkpoint "
          + "is chosen again from here on");
      return Optional.empty();
    }
  }

  /** The held-out figures on the console and in metrics.jsonl ({@code eval/<figure>}, as TRL's eval logs). */
  private void report(TrainingLog log, PrintStream console, long step, String split, String prefix, Evaluation e,
      int examples) {
    Map<String, Object> figures = new LinkedHashMap<>();
    figures.put("step", step);
    if (!prefix.equals("eval/")) { // the held-out loss is in the log's own validation line
      figures.put(prefix + "loss", Double.isFinite(e.loss()) ? e.loss() : null);
    }
    e.figures().forEach((name, value) -> figures.put(prefix + name, Double.isFinite(value) ? value : null));
    log.metrics().append(figures);
    StringBuilder line = new StringBuilder(String.format(Locale.ROOT, "%s: step %d %s", job(), step, split));
    String sep = " ";
    for (Map.Entry<String, Double> f : e.figures().entrySet()) {
      line.append(sep).append(f.getKey().replace('_', ' ')).append(' ')
          .append(String.format(Locale.ROOT, "%.4g", f.getValue()));
      sep = ", ";
    }
    console.println(line.append(String.format(Locale.ROOT, " (%d %s)", examples, unit())));
  }

  /** The batches of {@code val} this worker evaluates. */
  static <T> List<List<T>> share(List<T> val, int batchSize, WorkerGroup group) {
    List<List<T>> all = RowLayout.batches(val, batchSize);
    List<List<T>> mine = new ArrayList<>();
    for (int b = group.rank(); b < all.size(); b += group.size()) {
      mine.add(all.get(b));
    }
    return mine;
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
