package io.llmforge.jobs;

import io.llmforge.pipeline.config.ConfigReader;
import io.llmforge.pipeline.config.JobConfig;
import io.llmforge.pipeline.spark.JobStats;
import io.llmforge.trainer.checkpoint.Checkpoint;
import io.llmforge.trainer.preference.KtoSettings;
import io.llmforge.trainer.preference.KtoTraining;
import io.llmforge.trainer.preference.PreferencePrepareJob;
import io.llmforge.trainer.preference.PreferencePrepareSettings;
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
 * {@code llmforge bench kto}: KTO of the {@code bench sft} SFT model on LLaMA-Factory's kto_en_demo (thumbs-up/down
 * answers, 20% of prompts held out by hash), with the same model as the frozen reference: held-out label accuracy of
 * the implicit reward before (0.5 by construction) and after, ROC-AUC of the log-ratio against the labels, margin,
 * log-prob trends (conf/bench-kto.conf).
 */
@Command(name = "kto", mixinStandardHelpOptions = true,
    description = "KTO on ../shared/data/preference's kto_en_demo: held-out label accuracy of the implicit reward "
        + "before/after, ROC-AUC, margin, log-prob trends; table + JSON.")
final class KtoBenchCommand implements Callable<Integer> {
  static final List<String> SECTIONS = List.of("bench-kto", "pref-prepare", "kto");
  static final String FILE = "preference/llamafactory-kto_en_demo.json";

  @Mixin
  JobOptions options;

  @Option(names = "--data", paramLabel = "DIR", defaultValue = "../shared/data",
      description = "The shared data folder (default: ${DEFAULT-VALUE}).")
  Path data;

  @Option(names = "--base", paramLabel = "DIR", defaultValue = "work/bench/sft/sft-full-en",
      description = "The SFT model (default: ${DEFAULT-VALUE}, made by `llmforge bench sft`).")
  Path base;

  @Option(names = "--out", paramLabel = "FILE", defaultValue = "work/bench/kto.json",
      description = "Where to write the JSON result (default: ${DEFAULT-VALUE}).")
  Path out;

  @Override
  public Integer call() throws IOException {
    if (!PreferenceBenches.inputsPresent("bench kto", data, List.of(FILE), base)) {
      return 2;
    }
    ConfigReader first = JobConfig.load("bench-kto", SECTIONS, options.confFiles, options.overrides);
    Path work = Path.of(first.requiredString("bench-kto.workdir")).toAbsolutePath();
    Path prepared = work.resolve("answers");
    List<String> overrides = new ArrayList<>(List.of(
        "pref-prepare.input=[" + Flow.quote(data.resolve(FILE).toAbsolutePath()) + "]",
        "pref-prepare.base=" + Flow.quote(base.toAbsolutePath()), "pref-prepare.output=" + Flow.quote(prepared),
        "pref-prepare.overwrite=true",
        "kto.data=" + Flow.quote(prepared), "kto.base=" + Flow.quote(base.toAbsolutePath()),
        "kto.output=" + Flow.quote(work.resolve("kto")),
        "kto.overwrite=true"));
    overrides.addAll(options.overrides);
    ConfigReader config = JobConfig.load("bench-kto", SECTIONS, options.confFiles, overrides);
    PreferencePrepareSettings prepare = PreferencePrepareSettings.from(config);
    KtoSettings kto = KtoSettings.from(config);
    SparkSession spark = Spark.session(config, "llmforge-bench-kto");
    long t0 = System.nanoTime();
    Console.printStats("pref-prepare", PreferencePrepareJob.run(spark, prepare));
    Map<String, Object> prep = JobStats.parse(Files.readString(prepared.resolve("stats.json")));
    long tk = System.nanoTime();
    JobStats k = KtoTraining.run(spark, kto, System.out);
    double ktoSeconds = (System.nanoTime() - tk) / 1e9;
    List<Map<String, Object>> curve = PreferenceBenches.trainCurve(work.resolve("kto"), List.of("step", "loss",
        "rewards/accuracies", "rewards/margins", "logps/chosen", "logps/rejected", "kl"));

    System.out.println();
    System.out.printf("%-38s %10s %10s%n", "held-out (" + k.get("val_examples") + " answers)", "start", "end");
    for (String[] row : new String[][] {{"label accuracy of the implicit reward", "accuracy"},
        {"ROC-AUC of log(pi/ref) vs label", "auc"}, {"mean reward, desirable", "rewards_chosen"},
        {"mean reward, undesirable", "rewards_rejected"}, {"margin", "margin"}, {"z0 (KL estimate)", "kl"},
        {"logps desirable", "logps_chosen"}, {"logps undesirable", "logps_rejected"}}) {
      System.out.printf(Locale.ROOT, "%-38s %10.3f %10.3f%n", row[0], k.number("val_" + row[1] + "_at_start"),
          k.number("val_" + row[1]));
    }
    JobStats json = new JobStats()
        .put("benchmark", "kto")
        .put("data", FILE)
        .put("reference", Checkpoint.resolve(base, System.err).toString())
        .put("heldout", "20% of prompts, by a stable hash of the prompt")
        .put("rows_in", prep.get("input_rows"))
        .put("unpaired_rows", prep.get("unpaired_rows"))
        .put("rejects_by_reason", prep.get("rejects_by_reason"))
        .put("kto", k.asMap())
        .put("kto_seconds", ktoSeconds)
        .put("train_curve", curve)
        .put("seconds", (System.nanoTime() - t0) / 1e9)
        .put("command", "llmforge bench kto --data " + data + " --base " + base);
    Files.createDirectories(out.toAbsolutePath().getParent());
    Files.writeString(out, json.toJson());
    System.out.println("bench kto: wrote " + out);
    return 0;
  }

}
