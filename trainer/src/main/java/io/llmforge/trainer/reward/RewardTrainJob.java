package io.llmforge.trainer.reward;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.llmforge.pipeline.spark.JobStats;
import io.llmforge.pipeline.spark.SerializableHadoopConf;
import io.llmforge.pipeline.tokenizer.ByteLevelBpe;
import io.llmforge.pipeline.tokenizer.TokenizerJson;
import io.llmforge.trainer.checkpoint.Checkpoint;
import io.llmforge.trainer.checkpoint.RunFolder;
import io.llmforge.trainer.distributed.DataParallel;
import io.llmforge.trainer.distributed.WorkerGroup;
import io.llmforge.trainer.engine.LoraSettings;
import io.llmforge.trainer.preference.PreferenceManifest;
import io.llmforge.trainer.preference.PreferencePairs;
import io.llmforge.trainer.preference.PreferencePairs.Pair;
import io.llmforge.trainer.preference.PreferencePrepareJob;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import org.apache.hadoop.conf.Configuration;
import org.apache.spark.SparkContext;
import org.apache.spark.sql.SparkSession;

/**
 * The {@code rm-train} job, and the version build it shares with {@code rm-retrain}: train a version (in this process
 * or data-parallel on Spark), evaluate it on held-out pairs against the two {@link Baselines} (and the previous
 * version, when there is one), write {@code metrics.json}, {@code data-manifest.json}, {@code watermark.json}, then
 * stats.json and {@code _SUCCESS}. A killed build resumes from its checkpoints with the plan it started with
 * ({@code plan.json}).
 */
public final class RewardTrainJob {
  static final String PLAN = "plan.json";
  static final String KEY = "rm-train.distributed.workers";
  private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

  private RewardTrainJob() {}

  /** rm-train: the next version on all of {@code rm-train.data}, promoted when {@code rm-train.promote}. */
  public static JobStats run(SparkSession spark, RewardSettings s, PrintStream console) {
    Configuration hadoop = spark.sparkContext().hadoopConfiguration();
    RewardVersions versions = new RewardVersions(Path.of(s.output()));
    PreferenceManifest manifest = checkInputs(hadoop, s, s.data(), s.base());
    if (s.overwrite()) {
      RunFolder.delete(versions.root());
    }
    int v = versions.unfinished().orElse(versions.next());
    RewardTraining.Plan plan = resumeOr(versions, v, s, () -> new RewardTraining.Plan(s, s.data(), s.base(),
        versions.folder(v).toString(), Long.MIN_VALUE, Long.MIN_VALUE, 0, s.stepsFor(manifest.split(PreferencePrepareJob.TRAIN)
            .rows())));
    List<Pair> val = PreferencePairs.load(hadoop, plan.data(), manifest, PreferencePrepareJob.VAL);
    Built built = build(spark, plan, versions, v, Map.of("heldout", val), Optional.empty(), console);
    if (s.promote()) {
      versions.promote(v);
      console.printf(Locale.ROOT, "rm-train: %s is current%n", versions.folder(v));
    }
    versions.appendHistory(history(v, s.promote() ? "promoted" : "trained", "rm-train", built));
    return built.stats().put("version", RewardVersions.name(v)).put("promoted", s.promote());
  }

  /** A finished version: its stats and the held-out report per set. */
  record Built(JobStats stats, Map<String, RewardEvaluation.Report> reports, ObjectNode metrics) {}

  /** The plan a half-built version started with, or a new one (its folder then started with the plan). */
  static RewardTraining.Plan resumeOr(RewardVersions versions, int v, RewardSettings s,
      java.util.function.Supplier<RewardTraining.Plan> fresh) {
    if (Files.isRegularFile(versions.folder(v).resolve(PLAN))) {
      return planOf(versions, v, s);
    }
    RewardTraining.Plan p = fresh.get();
    start(versions, v, p, Map.of());
    return p;
  }

  /** The plan version {@code v} started with. */
  static RewardTraining.Plan planOf(RewardVersions versions, int v, RewardSettings s) {
    Path file = versions.folder(v).resolve(PLAN);
    try {
      JsonNode n = JSON.readTree(Files.readString(file));
      return new RewardTraining.Plan(s, n.path("data").asText(), n.path("init").asText(),
          versions.folder(v).toString(), n.path("newer_than_ms").asLong(), n.path("replay_up_to_ms").asLong(),
          n.path("replay_fraction").asDouble(),
          n.path("steps").asInt());
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read " + file, e);
    }
  }

  /**
   * Creates version folder {@code v} holding plan.json and {@code extra} files (name to content), atomically: built
   * in a hidden folder and renamed, so a version folder never exists without its plan.
   */
  static void start(RewardVersions versions, int v, RewardTraining.Plan p, Map<String, String> extra) {
    ObjectNode n = JSON.createObjectNode();
    n.put("data", p.data());
    n.put("init", p.init());
    n.put("newer_than_ms", p.newerThan());
    n.put("replay_up_to_ms", p.replayUpTo());
    n.put("replay_fraction", p.replayFraction());
    n.put("steps", p.steps());
    Path target = versions.folder(v);
    Path tmp = versions.root().resolve("." + RewardVersions.name(v) + ".tmp-" + ProcessHandle.current().pid());
    try {
      RunFolder.delete(tmp);
      Files.createDirectories(tmp);
      Files.writeString(tmp.resolve(PLAN), n.toPrettyString() + "\n");
      for (var e : extra.entrySet()) {
        Files.writeString(tmp.resolve(e.getKey()), e.getValue());
      }
      Files.move(tmp, target, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
    } catch (IOException e) {
      RunFolder.delete(tmp);
      throw new UncheckedIOException("cannot start " + target, e);
    }
  }

  /**
   * Fails before any work when the data's tokenizer is not the backbone's, or its rows exceed its block or were cut to
   * fit.
   */
  public static PreferenceManifest checkInputs(Configuration hadoop, RewardSettings s, String data, String init) {
    PreferenceManifest manifest = PreferenceManifest.read(hadoop, data);
    long cut = manifest.split(PreferencePrepareJob.TRAIN).truncated() + manifest.split(PreferencePrepareJob.VAL)
        .truncated();
    if (cut > 0) {
      throw new IllegalStateException("rm-train: " + cut + " pairs of " + data + " were cut to fit the block "
          + "(pref-prepare.truncate = true); a reward model reads each answer at its closing <|end|>: prepare the "
          + "data again with pref-prepare.truncate = false");
    }
    Path base = Checkpoint.resolve(Path.of(init), System.err);
    Path tokenizer = Checkpoint.tokenizerFile(base);
    if (!Files.isRegularFile(tokenizer)) {
      throw new IllegalStateException("rm-train.base: " + base + " has no " + Checkpoint.TOKENIZER);
    }
    ByteLevelBpe bpe;
    try {
      bpe = TokenizerJson.read(Files.readAllBytes(tokenizer));
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read " + tokenizer, e);
    }
    if (!bpe.fingerprint().equals(manifest.tokenizerSha256())) {
      throw new IllegalStateException("rm-train: the preferences " + data + " were rendered with another tokenizer "
          + "than the backbone " + base + " uses; run pref-prepare with pref-prepare.base = that model");
    }
    if (manifest.maxTokens() > Checkpoint.readConfig(base).blockSize()) {
      throw new IllegalStateException("rm-train: rows of " + data + " have up to " + manifest.maxTokens() + " ids, "
          + "more than the backbone's block of " + Checkpoint.readConfig(base).blockSize());
    }
    LoraSettings adapters = Checkpoint.readLora(base);
    if (!adapters.equals(LoraSettings.NONE) && !adapters.equals(s.lora())) {
      throw new IllegalStateException("rm-train.lora: " + base + " carries LoRA adapters (" + adapters + ") this run "
          + "would not load; fold them in first (llmforge sft-merge)");
    }
    return manifest;
  }

  /**
   * Trains version {@code v} by {@code plan} (resuming its checkpoints), evaluates it on each named held-out set
   * (baselines on each too; the previous version alongside when given), and finishes the folder.
   */
  static Built build(SparkSession spark, RewardTraining.Plan plan, RewardVersions versions, int v,
      Map<String, List<Pair>> heldOut, Optional<Integer> previous, PrintStream console) {
    RewardSettings s = plan.settings();
    Path folder = versions.folder(v);
    Configuration hadoop = spark.sparkContext().hadoopConfiguration();
    long t0 = System.nanoTime();
    JobStats stats = s.workers() == 0
        ? RewardTraining.train(plan, hadoop, console, WorkerGroup.single())
        : distributed(spark, plan, s);

    PreferenceManifest manifest = PreferenceManifest.read(hadoop, plan.data());
    List<Pair> train = RewardTraining.trainingPairs(hadoop, plan, manifest);
    RewardModel model = RewardModel.load(folder, console);
    RewardModel before = previous.map(p -> RewardModel.load(versions.folder(p), console)).orElse(null);
    ObjectNode metrics = JSON.createObjectNode();
    metrics.put("version", RewardVersions.name(v));
    metrics.put("trained_at", Instant.now().toString());
    metrics.put("train_pairs", train.size());
    Map<String, RewardEvaluation.Report> reports = new LinkedHashMap<>();
    // One baseline model for every held-out set (they share the training pairs); none when there is nothing to score.
    Baselines.Ngram ng = heldOut.values().stream().allMatch(List::isEmpty)
        ? Baselines.Ngram.unfitted(s.ngramFeatures(), train.size())
        : Baselines.ngramLogisticRegression(spark, train, s.ngramFeatures(), s.ngramRegParams(), s.seed());
    for (var set : heldOut.entrySet()) {
      RewardEvaluation.Report r = RewardEvaluation.evaluate(model, set.getValue(), s.batchSize());
      reports.put(set.getKey(), r);
      ObjectNode n = metrics.putObject(set.getKey());
      n.setAll(r.toJson());
      ObjectNode b = n.putObject("baselines");
      b.putObject("longer_answer_wins").put("accuracy", Baselines.longerAnswerWins(set.getValue()));
      double ngramAccuracy = ng.accuracy(set.getValue());
      b.putObject("hashed_ngram_logistic_regression").put("accuracy", ngramAccuracy).put("reg_param", ng.regParam())
          .put("features", ng.features()).put("ngrams", "1-2").put("train_pairs", ng.trainPairs());
      if (before != null) {
        RewardEvaluation.Report p = RewardEvaluation.evaluate(before, set.getValue(), s.batchSize());
        reports.put(set.getKey() + "/previous", p);
        n.putObject("previous").put("version", RewardVersions.name(previous.get())).setAll(p.toJson());
      }
      console.printf(Locale.ROOT, "rm-train: %s on %d %s pairs: accuracy %.3f (longer answer wins %.3f, n-gram "
          + "logistic regression %.3f%s), mean margin %.3f%n", RewardVersions.name(v), r.pairs(), set.getKey(),
          r.accuracy(), Baselines.longerAnswerWins(set.getValue()), ngramAccuracy,
          before == null ? "" : String.format(Locale.ROOT, ", %s %.3f", RewardVersions.name(previous.get()),
              reports.get(set.getKey() + "/previous").accuracy()), r.meanMargin());
    }
    long newest = Math.max(manifest.split(PreferencePrepareJob.TRAIN).newestCreatedAt(),
        manifest.split(PreferencePrepareJob.VAL).newestCreatedAt());
    long freshPairs = train.stream().filter(p -> p.createdAt() > plan.newerThan()).count();
    versions.write(v, RewardVersions.METRICS, pretty(metrics));
    versions.write(v, RewardVersions.DATA_MANIFEST, dataManifest(plan, manifest, train.size(), freshPairs));
    versions.write(v, RewardVersions.WATERMARK, RewardVersions.watermarkJson(newest, train.size()));
    stats.put("version", RewardVersions.name(v)).put("seconds", (System.nanoTime() - t0) / 1e9)
        .put("watermark", Instant.ofEpochMilli(newest).toString());
    for (var e : reports.entrySet()) {
      stats.put(e.getKey() + "_accuracy", e.getValue().accuracy());
    }
    RunFolder.finish(folder, stats);
    return new Built(stats, reports, metrics);
  }

  private static JobStats distributed(SparkSession spark, RewardTraining.Plan plan, RewardSettings s) {
    SparkContext sc = spark.sparkContext();
    DataParallel.requireSlots(sc.master(), s.workers(), KEY);
    SerializableHadoopConf hadoop = new SerializableHadoopConf(sc.hadoopConfiguration());
    return DataParallel.train(sc, s.workers(), Duration.ofSeconds(s.exchangeTimeoutSeconds()), KEY, group -> {
      PrintStream out = group.rank() == 0 ? System.out : new PrintStream(OutputStream.nullOutputStream());
      return RewardTraining.train(plan, hadoop.get(), out, group);
    });
  }

  private static String dataManifest(RewardTraining.Plan plan, PreferenceManifest manifest, long trainPairs,
      long freshPairs) {
    ObjectNode n = JSON.createObjectNode();
    n.put("data", plan.data());
    n.put("tokenizer_sha256", manifest.tokenizerSha256());
    n.put("init", plan.init());
    n.put("newer_than", plan.newerThan() == Long.MIN_VALUE ? null : Instant.ofEpochMilli(plan.newerThan()).toString());
    n.put("train_pairs", trainPairs);
    n.put("new_pairs", freshPairs);
    n.put("replayed_pairs", trainPairs - freshPairs);
    var inputs = n.putArray("inputs");
    for (PreferenceManifest.InputFile f : manifest.inputs()) {
      inputs.addObject().put("file", f.file()).put("sha256", f.sha256()).put("rows", f.rows()).put("kept", f.kept());
    }
    var files = n.putArray("prepared_files");
    for (var f : manifest.files()) {
      files.addObject().put("split", f.split()).put("file", f.file()).put("rows", f.rows()).put("sha256", f.sha256());
    }
    return pretty(n);
  }

  static String history(int v, String decision, String by, Built built) {
    ObjectNode n = new ObjectMapper().createObjectNode();
    n.put("at", Instant.now().toString());
    n.put("version", RewardVersions.name(v));
    n.put("decision", decision);
    n.put("by", by);
    built.reports().forEach((k, r) -> n.put(k.replace('/', '_') + "_accuracy", r.accuracy()));
    return n.toString();
  }

  static String pretty(ObjectNode n) {
    try {
      return JSON.writeValueAsString(n) + "\n";
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
