package io.llmforge.trainer.reward;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.llmforge.pipeline.spark.AtomicOutput;
import io.llmforge.pipeline.spark.JobStats;
import io.llmforge.pipeline.tokenizer.Sha256;
import io.llmforge.trainer.checkpoint.RunFolder;
import io.llmforge.trainer.preference.PreferenceManifest;
import io.llmforge.trainer.preference.PreferencePairs;
import io.llmforge.trainer.preference.PreferencePairs.Pair;
import io.llmforge.trainer.preference.PreferencePrepareJob;
import io.llmforge.trainer.sft.InputRows;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileStatus;
import org.apache.spark.sql.SparkSession;

/**
 * {@code rm-retrain}, the scheduled retraining: safe to run from cron, Airflow or a Kubernetes CronJob every hour.
 *
 * <ol>
 *   <li>Take the folder's {@link RetrainLock} (another live run: exit, saying who holds it; the operating system
 *   releases the lock of a killed run).</li>
 *   <li>A half-built version (killed mid-training) is resumed with the plan it started with. Otherwise:</li>
 *   <li>Render the inbox with pref-prepare (reused while the files are unchanged: the prepared folder is keyed by the
 *   files' names, sizes and times).</li>
 *   <li>Count pairs created after the newest watermark of any finished version; fewer than {@code min-new-pairs}:
 *   nothing to do (exit 0, says why).</li>
 *   <li>Train v(N+1), warm-started from the current version, on the new pairs plus {@code replay-fraction} of older
 *   ones (no current version yet: v1 from the backbone on everything).</li>
 *   <li>Evaluate it and the current version on the fixed held-out set (held-out pairs up to the current version's
 *   watermark) and on the newest slice (held-out pairs of the new batch); a batch whose candidate failed the gate is
 *   neither replayed nor evaluated on later; promote it, moving {@code current} atomically, only if its fixed-set
 *   accuracy is not worse than the current version's by more than {@code tolerance}; else keep the current version.
 *   Either way the decision and why go to {@code history.jsonl} and the version's {@code decision.json}.</li>
 * </ol>
 */
public final class RewardRetrainJob {
  static final String CONTEXT = "retrain.json";
  static final String DECISION = "decision.json";
  static final String PREPARED = "prepared";
  private static final ObjectMapper JSON = new ObjectMapper();

  private RewardRetrainJob() {}

  /** One retraining pass under the lock. */
  public static JobStats run(SparkSession spark, RetrainSettings r, PrintStream console) {
    Path root = Path.of(r.train().output());
    Optional<RetrainLock> lock = RetrainLock.acquire(root, r.lockWait(), console);
    if (lock.isEmpty()) {
      String holder = RetrainLock.holder(root).map(Object::toString).orElse("a run that just finished");
      console.println("rm-retrain: another retraining holds " + root.resolve(RetrainLock.FILE) + " (" + holder
          + "); nothing done");
      return new JobStats().put("decision", "locked").put("holder", holder);
    }
    try (RetrainLock held = lock.get()) {
      return retrain(spark, r, console);
    }
  }

  /** {@code --watch}: a pass every {@code period} ({@code passes} 0: until stopped). */
  public static void watch(SparkSession spark, RetrainSettings r, Duration period, int passes, PrintStream console)
      throws InterruptedException {
    for (int i = 0; passes == 0 || i < passes; i++) {
      if (i > 0) {
        Thread.sleep(period.toMillis());
      }
      JobStats stats = run(spark, r, console);
      console.printf(Locale.ROOT, "rm-retrain: %s at %s; next pass in %s%n", stats.get("decision"), Instant.now(),
          period);
    }
  }

  static JobStats retrain(SparkSession spark, RetrainSettings r, PrintStream console) {
    Configuration hadoop = spark.sparkContext().hadoopConfiguration();
    RewardVersions versions = new RewardVersions(Path.of(r.train().output()));
    int v;
    RewardTraining.Plan plan;
    Optional<Integer> previous;
    long fixedUpTo;
    Optional<Integer> unfinished = versions.unfinished();
    if (unfinished.isPresent() && Files.isRegularFile(versions.folder(unfinished.get()).resolve(CONTEXT))) {
      v = unfinished.get();
      JsonNode ctx = readJson(versions.folder(v).resolve(CONTEXT));
      previous = ctx.path("previous").isInt() ? Optional.of(ctx.path("previous").asInt()) : Optional.empty();
      fixedUpTo = ctx.path("fixed_up_to_ms").asLong();
      plan = RewardTrainJob.planOf(versions, v, r.train());
      console.printf(Locale.ROOT, "rm-retrain: resuming %s, which a killed run left unfinished%n", versions.folder(v));
    } else {
      if (unfinished.isPresent()) { // started by rm-train, not by a retraining: not ours to resume
        throw new IllegalStateException(versions.folder(unfinished.get()) + " is unfinished and was not started by "
            + "rm-retrain; finish it with rm-train or delete it");
      }
      String data = prepare(spark, r, versions, console);
      PreferenceManifest manifest = RewardTrainJob.checkInputs(hadoop, r.train(), data, r.train().base());
      long considered = versions.consideredWatermark();
      List<Pair> train = PreferencePairs.load(hadoop, data, manifest, PreferencePrepareJob.TRAIN);
      List<Pair> val = PreferencePairs.load(hadoop, data, manifest, PreferencePrepareJob.VAL);
      long fresh = Stream.concat(train.stream(), val.stream()).filter(p -> p.createdAt() > considered).count();
      String since = considered == Long.MIN_VALUE ? "in all" : "since " + Instant.ofEpochMilli(considered);
      if (fresh < r.minNewPairs()) {
        console.printf(Locale.ROOT, "rm-retrain: %d new pairs %s (min-new-pairs = %d); nothing to do%n", fresh, since,
            r.minNewPairs());
        return new JobStats().put("decision", "nothing_to_do").put("new_pairs", fresh)
            .put("current", versions.current().map(RewardVersions::name).orElse(null));
      }
      previous = versions.current();
      v = versions.next();
      // pairs after the promoted version's watermark but not after `considered` were a failed candidate's batch:
      // neither replayed nor in the fixed held-out set
      long promoted = previous.map(versions::watermark).orElse(Long.MIN_VALUE);
      fixedUpTo = promoted;
      long freshTrain = train.stream().filter(p -> p.createdAt() > considered).count();
      long older = train.stream().filter(p -> p.createdAt() <= promoted).count();
      long replay = previous.isEmpty() ? 0 : Math.min(older, Math.round(r.replayFraction() * freshTrain));
      RewardTraining.Plan p = previous.isEmpty()
          ? new RewardTraining.Plan(r.train(), data, r.train().base(), versions.folder(v).toString(), Long.MIN_VALUE,
              Long.MIN_VALUE, 0, r.train().stepsFor(train.size()))
          : new RewardTraining.Plan(r.train(), data, versions.folder(previous.get()).toString(),
              versions.folder(v).toString(), considered, promoted, r.replayFraction(),
              r.train().stepsFor(freshTrain + replay));
      plan = p;
      Map<String, Object> ctx = new LinkedHashMap<>();
      ctx.put("previous", previous.orElse(null));
      ctx.put("fixed_up_to_ms", fixedUpTo);
      ctx.put("started_at", Instant.now().toString());
      RewardTrainJob.start(versions, v, plan, Map.of(CONTEXT, toJson(ctx)));
      console.printf(Locale.ROOT, "rm-retrain: %d new pairs %s; training %s %s%n", fresh, since,
          versions.folder(v), previous.map(c -> "from " + RewardVersions.name(c) + " (+" + replay + " replayed older "
              + "pairs)").orElse("from the backbone " + r.train().base()));
    }

    PreferenceManifest manifest = PreferenceManifest.read(hadoop, plan.data());
    List<Pair> val = PreferencePairs.load(hadoop, plan.data(), manifest, PreferencePrepareJob.VAL);
    long upTo = fixedUpTo;
    Map<String, List<Pair>> sets = new LinkedHashMap<>();
    if (previous.isEmpty()) {
      sets.put("heldout", val);
    } else {
      sets.put("heldout", val.stream().filter(p -> p.createdAt() <= upTo).toList());
      sets.put("newest", val.stream().filter(p -> p.createdAt() > plan.newerThan()).toList());
    }
    RewardTrainJob.Built built = RewardTrainJob.build(spark, plan, versions, v, sets, previous, console);

    String decision;
    String why;
    if (previous.isEmpty()) {
      decision = "promoted";
      why = "the first version";
    } else {
      RewardEvaluation.Report mine = built.reports().get("heldout");
      RewardEvaluation.Report theirs = built.reports().get("heldout/previous");
      if (mine.pairs() == 0) {
        decision = "kept";
        why = "no held-out pairs older than the new batch to compare " + RewardVersions.name(v) + " and "
            + RewardVersions.name(previous.get()) + " on";
      } else if (mine.accuracy() >= theirs.accuracy() - r.tolerance()) {
        decision = "promoted";
        why = String.format(Locale.ROOT, "held-out accuracy %.4f >= %.4f (%s) - tolerance %.4f", mine.accuracy(),
            theirs.accuracy(), RewardVersions.name(previous.get()), r.tolerance());
      } else {
        decision = "kept";
        why = String.format(Locale.ROOT, "held-out accuracy %.4f < %.4f (%s) - tolerance %.4f; %s stays current",
            mine.accuracy(), theirs.accuracy(), RewardVersions.name(previous.get()), r.tolerance(),
            RewardVersions.name(previous.get()));
      }
    }
    Map<String, Object> d = new LinkedHashMap<>();
    d.put("decision", decision);
    d.put("why", why);
    d.put("previous", previous.map(RewardVersions::name).orElse(null));
    d.put("tolerance", r.tolerance());
    d.put("at", Instant.now().toString());
    RewardVersions.writeAtomically(versions.folder(v).resolve(DECISION), toJson(d));
    if (decision.equals("promoted")) {
      versions.promote(v);
    }
    versions.appendHistory(RewardTrainJob.history(v, decision, "rm-retrain", built).replaceFirst("}$",
        ",\"why\":" + quote(why) + "}"));
    console.printf(Locale.ROOT, "rm-retrain: %s %s: %s%n", decision, RewardVersions.name(v), why);
    return built.stats().put("decision", decision).put("why", why)
        .put("current", versions.current().map(RewardVersions::name).orElse(null));
  }

  /**
   * The inbox rendered by pref-prepare into {@code rm/prepared/<key>}, the key a hash of every input file's path,
   * size and modification time (and the settings): unchanged files reuse the last output. Older prepared folders
   * not used by any version are deleted, the newest two kept.
   */
  static String prepare(SparkSession spark, RetrainSettings r, RewardVersions versions, PrintStream console) {
    Configuration hadoop = spark.sparkContext().hadoopConfiguration();
    List<String> json = new ArrayList<>();
    List<String> parquet = new ArrayList<>();
    InputRows.list(hadoop, "rm-retrain.input", r.input(), json, parquet);
    StringBuilder key = new StringBuilder(r.prepare("").toString());
    for (String f : Stream.concat(json.stream(), parquet.stream()).sorted().toList()) {
      try {
        org.apache.hadoop.fs.Path p = new org.apache.hadoop.fs.Path(f);
        FileStatus st = p.getFileSystem(hadoop).getFileStatus(p);
        key.append('\n').append(f).append('\t').append(st.getLen()).append('\t').append(st.getModificationTime());
      } catch (IOException e) {
        throw new UncheckedIOException("cannot stat " + f, e);
      }
    }
    Path dir = versions.root().resolve(PREPARED);
    Path out = dir.resolve(Sha256.hex(key.toString()).substring(0, 16));
    if (!AtomicOutput.isComplete(hadoop, out.toString())) {
      console.println("rm-retrain: rendering " + (json.size() + parquet.size()) + " preference files into " + out);
      PreferencePrepareJob.run(spark, r.prepare(out.toString()));
    }
    prunePrepared(dir, out);
    return out.toString();
  }

  private static void prunePrepared(Path dir, Path keep) {
    try (Stream<Path> all = Files.list(dir)) {
      List<Path> old = all.filter(p -> Files.isDirectory(p) && !p.equals(keep) && !p.getFileName().toString()
          .startsWith(".")).sorted(Comparator.comparing(RewardRetrainJob::modified).reversed()).toList();
      for (Path p : old.subList(Math.min(1, old.size()), old.size())) {
        RunFolder.delete(p);
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot list " + dir, e);
    }
  }

  private static long modified(Path p) {
    try {
      return Files.getLastModifiedTime(p).toMillis();
    } catch (IOException e) {
      return 0;
    }
  }

  private static JsonNode readJson(Path f) {
    try {
      return JSON.readTree(Files.readString(f));
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read " + f, e);
    }
  }

  private static String toJson(Map<String, Object> m) {
    try {
      return JSON.writerWithDefaultPrettyPrinter().writeValueAsString(m) + "\n";
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static String quote(String s) {
    try {
      return JSON.writeValueAsString(s);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
