package io.llmforge.jobs;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.llmforge.pipeline.config.ConfigReader;
import io.llmforge.pipeline.config.JobConfig;
import io.llmforge.pipeline.spark.JobStats;
import io.llmforge.trainer.checkpoint.Checkpoint;
import io.llmforge.trainer.preference.PreferencePrepareJob;
import io.llmforge.trainer.preference.PreferencePrepareSettings;
import io.llmforge.trainer.reward.RewardSettings;
import io.llmforge.trainer.reward.RewardTrainJob;
import io.llmforge.trainer.reward.RewardVersions;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import org.apache.spark.sql.SparkSession;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code llmforge bench rm}: a reward model on HH-RLHF (harmless-base), 20% of prompts held out by their hash, from
 * the backbone of {@code bench sft}; held-out pairwise accuracy, margin and calibration against "longer answer wins"
 * and a hashed-n-gram logistic regression on the same pairs, full and LoRA (conf/bench-rm.conf). The prepared data is
 * reused when finished; every reward model is trained afresh.
 */
@Command(name = "rm", mixinStandardHelpOptions = true,
    description = "Reward model on ../shared/data/preference HH-RLHF: held-out accuracy vs the length and n-gram "
        + "baselines, full vs LoRA; table + JSON.")
final class RmBenchCommand implements Callable<Integer> {
  static final List<String> SECTIONS = List.of("bench-rm", "pref-prepare", "rm-train");
  static final String HH = "preference/hh-rlhf-harmless-base-test.jsonl.gz";

  @Mixin
  JobOptions options;

  @Option(names = "--data", paramLabel = "DIR", defaultValue = "../shared/data",
      description = "The shared data folder (default: ${DEFAULT-VALUE}).")
  Path data;

  @Option(names = "--base", paramLabel = "DIR", defaultValue = "work/bench/sft/pretrain",
      description = "The backbone: a run folder or checkpoint (default: ${DEFAULT-VALUE}, made by "
          + "`llmforge bench sft --until pretrain`).")
  Path base;

  @Option(names = "--out", paramLabel = "FILE", defaultValue = "work/bench/rm.json",
      description = "Where to write the JSON result (default: ${DEFAULT-VALUE}).")
  Path out;

  @Option(names = "--variants", split = ",", defaultValue = "full,lora",
      description = "Reward-model runs: full, lora (default: ${DEFAULT-VALUE}).")
  List<String> variants;

  @Override
  public Integer call() throws IOException {
    if (!Files.isRegularFile(data.resolve(HH))) {
      System.err.println("bench rm: " + data.resolve(HH) + " is absent (it is in ../shared/data; pass --data)");
      return 2;
    }
    if (!Checkpoint.exists(base) && !Files.isRegularFile(base.resolve(Checkpoint.MODEL))) {
      System.err.println("bench rm: no backbone at " + base + "; make it with `llmforge bench sft --until pretrain` "
          + "or pass --base");
      return 2;
    }
    for (String v : variants) {
      if (!v.equals("full") && !v.equals("lora")) {
        System.err.println("bench rm: unknown variant " + v + "; use full and/or lora");
        return 2;
      }
    }
    ConfigReader first = JobConfig.load("bench-rm", SECTIONS, options.confFiles, options.overrides);
    Path work = Path.of(first.requiredString("bench-rm.workdir")).toAbsolutePath();
    Path prepared = work.resolve("pairs");
    List<String> chain = List.of("pref-prepare.input=[" + Flow.quote(data.resolve(HH).toAbsolutePath()) + "]",
        "pref-prepare.base=" + Flow.quote(base.toAbsolutePath()), "pref-prepare.output=" + Flow.quote(prepared),
        "rm-train.data=" + Flow.quote(prepared), "rm-train.base=" + Flow.quote(base.toAbsolutePath()));
    ConfigReader config = load(chain, List.of());
    int loraRank = config.intIn("bench-rm.lora-rank", 1, 1024);
    double loraLr = config.doubleIn("bench-rm.lora-learning-rate", 1e-8, 1);
    SparkSession spark = Spark.session(config, "llmforge-bench-rm");
    long t0 = System.nanoTime();
    JobStats prep = PreferencePrepareJob.run(spark, PreferencePrepareSettings.from(config));
    Console.printStats("pref-prepare", prep);
    Map<String, Object> prepStats = JobStats.parse(Files.readString(prepared.resolve("stats.json")));

    List<Map<String, Object>> rows = new ArrayList<>();
    for (String variant : variants) {
      Path rm = work.resolve("rm-" + variant);
      List<String> more = new ArrayList<>(List.of("rm-train.output=" + Flow.quote(rm), "rm-train.overwrite=true"));
      if (variant.equals("lora")) {
        more.addAll(List.of("rm-train.lora.rank=" + loraRank, "rm-train.lora.alpha=" + 2 * loraRank,
            "rm-train.optimizer.learning-rate=" + loraLr, "rm-train.optimizer.min-learning-rate=" + loraLr / 10));
      }
      long t = System.nanoTime();
      JobStats stats = RewardTrainJob.run(spark, RewardSettings.from(load(chain, more), true), System.out);
      JsonNode m = new RewardVersions(rm).read(1, RewardVersions.METRICS).path("heldout");
      Map<String, Object> row = new LinkedHashMap<>();
      row.put("model", variant.equals("full") ? "full" : "lora-r" + loraRank);
      row.put("trainable_parameters", stats.get("trainable_parameters"));
      row.put("train_pairs", stats.get("train_pairs"));
      row.put("steps", stats.get("steps"));
      row.put("heldout_pairs", m.path("pairs").asInt());
      row.put("accuracy", m.path("accuracy").asDouble());
      row.put("mean_margin", m.path("mean_margin").asDouble());
      row.put("loss", m.path("loss").asDouble());
      row.put("expected_calibration_error", m.path("expected_calibration_error").asDouble());
      row.put("longer_answer_wins", m.path("baselines").path("longer_answer_wins").path("accuracy").asDouble());
      row.put("hashed_ngram_logistic_regression", m.path("baselines").path("hashed_ngram_logistic_regression")
          .path("accuracy").asDouble());
      row.put("calibration", new ObjectMapper().convertValue(m.path("calibration"), List.class));
      row.put("seconds", (System.nanoTime() - t) / 1e9);
      rows.add(row);
    }

    System.out.println();
    System.out.printf("%-9s %10s %7s %9s %9s %8s %8s %9s%n", "model", "trainable", "pairs", "accuracy", "margin",
        "ECE", "longer", "n-gram LR");
    for (Map<String, Object> r : rows) {
      System.out.printf(Locale.ROOT, "%-9s %10s %7d %8.1f%% %9.3f %8.3f %7.1f%% %8.1f%%%n", r.get("model"),
          r.get("trainable_parameters"), (Integer) r.get("heldout_pairs"), 100 * (Double) r.get("accuracy"),
          (Double) r.get("mean_margin"), (Double) r.get("expected_calibration_error"),
          100 * (Double) r.get("longer_answer_wins"), 100 * (Double) r.get("hashed_ngram_logistic_regression"));
    }
    JobStats json = new JobStats()
        .put("benchmark", "rm")
        .put("data", data.resolve(HH).toString())
        .put("backbone", Checkpoint.resolve(base, System.err).toString())
        .put("backbone_config", String.valueOf(Checkpoint.readConfig(Checkpoint.resolve(base, System.err))))
        .put("heldout", "20% of prompts, by a stable hash of the prompt (pref-prepare.val-fraction = 0.2)")
        .put("pairs_in", prepStats.get("input_rows"))
        .put("train_pairs", prepStats.get("train_pairs"))
        .put("val_pairs", prepStats.get("val_pairs"))
        .put("rejects_by_reason", prepStats.get("rejects_by_reason"))
        .put("runs", rows)
        .put("seconds", (System.nanoTime() - t0) / 1e9)
        .put("command", "llmforge bench rm --data " + data + " --base " + base + " --variants "
            + String.join(",", variants));
    Files.createDirectories(out.toAbsolutePath().getParent());
    Files.writeString(out, json.toJson());
    System.out.println("bench rm: wrote " + out);
    return 0;
  }

  private ConfigReader load(List<String> chain, List<String> more) {
    List<String> overrides = new ArrayList<>(chain);
    overrides.addAll(more);
    overrides.addAll(options.overrides);
    return JobConfig.load("bench-rm", SECTIONS, options.confFiles, overrides);
  }
}
