package io.llmforge.jobs;

import com.fasterxml.jackson.databind.JsonNode;
import io.llmforge.pipeline.config.ConfigReader;
import io.llmforge.pipeline.config.JobConfig;
import io.llmforge.pipeline.spark.JobStats;
import io.llmforge.trainer.checkpoint.Checkpoint;
import io.llmforge.trainer.preference.DpoSettings;
import io.llmforge.trainer.preference.DpoTraining;
import io.llmforge.trainer.preference.PreferencePrepareJob;
import io.llmforge.trainer.preference.PreferencePrepareSettings;
import io.llmforge.trainer.reward.RewardSettings;
import io.llmforge.trainer.reward.RewardTrainJob;
import io.llmforge.trainer.reward.RewardVersions;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import org.apache.spark.sql.SparkSession;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code llmforge bench dpo}: DPO of the {@code bench sft} SFT model on LLaMA-Factory's dpo_en_demo + HH-RLHF
 * (20% of prompts held out by hash), with the same model as the frozen reference: held-out implicit-reward accuracy
 * before (0.5 by construction) and after, mean margin, chosen / rejected log-prob trends, per-token log-ratio on the
 * chosen answers; and a reward model trained on the same pairs from the same model, for comparison
 * (conf/bench-dpo.conf).
 */
@Command(name = "dpo", mixinStandardHelpOptions = true,
    description = "DPO on ../shared/data/preference (LLaMA-Factory en demo + HH-RLHF): held-out implicit-reward "
        + "accuracy before/after, margin, log-prob trends, vs a reward model on the same pairs; table + JSON.")
final class DpoBenchCommand implements Callable<Integer> {
  static final List<String> SECTIONS = List.of("bench-dpo", "pref-prepare", "dpo", "rm-train");
  static final List<String> FILES = List.of("preference/llamafactory-dpo_en_demo.json",
      "preference/hh-rlhf-harmless-base-test.jsonl.gz");

  @Mixin
  JobOptions options;

  @Option(names = "--data", paramLabel = "DIR", defaultValue = "../shared/data",
      description = "The shared data folder (default: ${DEFAULT-VALUE}).")
  Path data;

  @Option(names = "--base", paramLabel = "DIR", defaultValue = "work/bench/sft/sft-full-en",
      description = "The SFT model (default: ${DEFAULT-VALUE}, made by `llmforge bench sft`).")
  Path base;

  @Option(names = "--out", paramLabel = "FILE", defaultValue = "work/bench/dpo.json",
      description = "Where to write the JSON result (default: ${DEFAULT-VALUE}).")
  Path out;

  @Option(names = "--no-rm", description = "Skip the reward-model comparison.")
  boolean noRm;

  @Override
  public Integer call() throws IOException {
    if (!PreferenceBenches.inputsPresent("bench dpo", data, FILES, base)) {
      return 2;
    }
    ConfigReader first = JobConfig.load("bench-dpo", SECTIONS, options.confFiles, options.overrides);
    Path work = Path.of(first.requiredString("bench-dpo.workdir")).toAbsolutePath();
    Path prepared = work.resolve("pairs");
    List<String> inputs = FILES.stream().map(f -> Flow.quote(data.resolve(f).toAbsolutePath())).toList();
    List<String> chain = List.of("pref-prepare.input=[" + String.join(",", inputs) + "]",
        "pref-prepare.base=" + Flow.quote(base.toAbsolutePath()), "pref-prepare.output=" + Flow.quote(prepared),
        "pref-prepare.overwrite=true",
        "dpo.data=" + Flow.quote(prepared), "dpo.base=" + Flow.quote(base.toAbsolutePath()),
        "dpo.output=" + Flow.quote(work.resolve("dpo")), "dpo.overwrite=true",
        "rm-train.data=" + Flow.quote(prepared), "rm-train.base=" + Flow.quote(base.toAbsolutePath()),
        "rm-train.output=" + Flow.quote(work.resolve("rm")), "rm-train.overwrite=true");
    List<String> overrides = new ArrayList<>(chain);
    overrides.addAll(options.overrides);
    ConfigReader config = JobConfig.load("bench-dpo", SECTIONS, options.confFiles, overrides);
    PreferencePrepareSettings prepare = PreferencePrepareSettings.from(config);
    DpoSettings dpo = DpoSettings.from(config);
    RewardSettings rm = RewardSettings.from(config, true);
    SparkSession spark = Spark.session(config, "llmforge-bench-dpo");
    long t0 = System.nanoTime();
    Console.printStats("pref-prepare", PreferencePrepareJob.run(spark, prepare));
    Map<String, Object> prep = JobStats.parse(Files.readString(prepared.resolve("stats.json")));

    long td = System.nanoTime();
    JobStats d = DpoTraining.run(spark, dpo, System.out);
    double dpoSeconds = (System.nanoTime() - td) / 1e9;
    List<Map<String, Object>> curve = PreferenceBenches.trainCurve(work.resolve("dpo"), List.of("step", "loss",
        "rewards/accuracies", "rewards/margins", "logps/chosen", "logps/rejected", "kl/chosen"));
    Double rmAccuracy = null;
    JsonNode rmMetrics = null;
    if (!noRm) {
      RewardTrainJob.run(spark, rm, System.out);
      rmMetrics = new RewardVersions(work.resolve("rm")).read(1, RewardVersions.METRICS).path("heldout");
      rmAccuracy = rmMetrics.path("accuracy").asDouble();
    }

    System.out.println();
    System.out.printf("%-34s %10s %10s%n", "held-out (" + d.get("val_pairs") + " pairs)", "start", "end");
    System.out.printf(Locale.ROOT, "%-34s %10.3f %10.3f%n", "implicit-reward accuracy",
        d.number("val_accuracy_at_start"), d.number("val_accuracy"));
    System.out.printf(Locale.ROOT, "%-34s %10.3f %10.3f%n", "mean margin beta*h", d.number("val_margin_at_start"),
        d.number("val_margin"));
    if (d.get("best_step") != null) {
      System.out.printf(Locale.ROOT, "%-34s %10s %10.3f%n", "  at the validation-chosen step " + d.get("best_step"),
          "", d.number("val_accuracy_at_best"));
      System.out.printf(Locale.ROOT, "%-34s %10s %10.3f%n", "  validation " + d.get("best_metric") + " there ("
          + d.get("validation_pairs") + ")", "", d.number("validation_" + d.get("best_metric") + "_best"));
    }
    Map<String, Object> startLine = curve.isEmpty() ? Map.of() : curve.get(0);
    System.out.printf(Locale.ROOT, "%-34s %10s %10.2f%n", "logps chosen (held-out, end)", "",
        d.number("val_logps_chosen"));
    System.out.printf(Locale.ROOT, "%-34s %10s %10.2f%n", "logps rejected (held-out, end)", "",
        d.number("val_logps_rejected"));
    System.out.printf(Locale.ROOT, "%-34s %10s %10.4f%n", "log(pi/ref) per token, chosen", "",
        d.number("val_kl_chosen"));
    if (rmAccuracy != null) {
      System.out.printf(Locale.ROOT, "%-34s %10s %10.3f%n", "reward model, same pairs", "", rmAccuracy);
      System.out.printf(Locale.ROOT, "%-34s %10s %10.3f%n", "  longer answer wins", "",
          rmMetrics.path("baselines").path("longer_answer_wins").path("accuracy").asDouble());
    }
    JobStats json = new JobStats()
        .put("benchmark", "dpo")
        .put("data", FILES)
        .put("reference", Checkpoint.resolve(base, System.err).toString())
        .put("heldout", "20% of prompts, by a stable hash of the prompt")
        .put("pairs_in", prep.get("input_rows"))
        .put("train_pairs", prep.get("train_pairs"))
        .put("val_pairs", prep.get("val_pairs"))
        .put("rejects_by_reason", prep.get("rejects_by_reason"))
        .put("dpo", d.asMap())
        .put("dpo_seconds", dpoSeconds)
        .put("train_curve", curve)
        .put("first_logged_step", startLine)
        .put("reward_model_heldout_accuracy", rmAccuracy)
        .put("reward_model_longer_answer_wins", rmMetrics == null ? null
            : rmMetrics.path("baselines").path("longer_answer_wins").path("accuracy").asDouble())
        .put("seconds", (System.nanoTime() - t0) / 1e9)
        .put("command", "llmforge bench dpo --data " + data + " --base " + base);
    Files.createDirectories(out.toAbsolutePath().getParent());
    Files.writeString(out, json.toJson());
    System.out.println("bench dpo: wrote " + out);
    return 0;
  }

}
