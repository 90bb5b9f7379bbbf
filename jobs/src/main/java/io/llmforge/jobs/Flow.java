package io.llmforge.jobs;

import io.llmforge.dedup.DedupJob;
import io.llmforge.dedup.DedupSettings;
import io.llmforge.pipeline.clean.CleanJob;
import io.llmforge.pipeline.clean.CleanSettings;
import io.llmforge.pipeline.config.ConfigError;
import io.llmforge.pipeline.config.ConfigReader;
import io.llmforge.pipeline.config.JobConfig;
import io.llmforge.pipeline.rephrase.RephraseJob;
import io.llmforge.pipeline.rephrase.RephraseSettings;
import io.llmforge.pipeline.shards.TokenizeJob;
import io.llmforge.pipeline.shards.TokenizeSettings;
import io.llmforge.pipeline.spark.JobStats;
import io.llmforge.pipeline.tokenizer.TokenizerTrainJob;
import io.llmforge.pipeline.tokenizer.TokenizerTrainSettings;
import io.llmforge.quality.ClassifyJob;
import io.llmforge.quality.ClassifySettings;
import io.llmforge.quality.ClassifyTrainJob;
import io.llmforge.quality.ClassifyTrainSettings;
import io.llmforge.trainer.pretrain.PretrainSettings;
import io.llmforge.trainer.generate.CheckpointRephraser;
import io.llmforge.trainer.preference.DpoSettings;
import io.llmforge.trainer.preference.DpoTraining;
import io.llmforge.trainer.preference.KtoSettings;
import io.llmforge.trainer.preference.KtoTraining;
import io.llmforge.trainer.rl.OnlineSettings;
import io.llmforge.trainer.bestofn.BestOfNJob;
import io.llmforge.trainer.bestofn.BestOfNSettings;
import io.llmforge.trainer.judge.JudgeJob;
import io.llmforge.trainer.judge.JudgeSettings;
import io.llmforge.trainer.rl.GrpoTraining;
import io.llmforge.trainer.rl.PpoSettings;
import io.llmforge.trainer.rl.PpoTraining;
import io.llmforge.trainer.preference.KtoSettings;
import io.llmforge.trainer.preference.KtoTraining;
import io.llmforge.trainer.preference.PreferencePrepareJob;
import io.llmforge.trainer.preference.PreferencePrepareSettings;
import io.llmforge.trainer.reward.RewardSettings;
import io.llmforge.trainer.reward.RewardTrainJob;
import io.llmforge.trainer.sft.SftPrepareJob;
import io.llmforge.trainer.sft.SftPrepareSettings;
import io.llmforge.trainer.sft.SftSettings;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.BiFunction;
import java.util.function.Function;
import org.apache.spark.sql.SparkSession;

/**
 * The chained flow behind {@code llmforge run} and {@code llmforge demo}: each step is one job, reading the data
 * output of the step before it. The chaining is done here, as overrides of each job's {@code input}/
 * {@code output} keys under {@code run.workdir}, so a step can be left out (e.g. {@code rephrase} without an
 * LLM endpoint) and the next one reads from the one before.
 */
final class Flow {

  /**
   * One job of the flow.
   *
   * @param readsDocuments whether its {@code input} is the previous step's documents (pretrain reads shards)
   * @param dataChild      where its documents land inside its output; null if it writes none
   * @param settings       reads and validates the job's settings record from the configuration
   * @param job            runs the job with those settings
   */
  record Step<S>(String section, boolean readsDocuments, String dataChild, Function<ConfigReader, S> settings,
      BiFunction<SparkSession, S, JobStats> job) {

    /** Reads (and so validates) the settings now; the returned job runs with them later. */
    Function<SparkSession, JobStats> prepare(ConfigReader config) {
      S parsed = settings.apply(config);
      return spark -> job.apply(spark, parsed);
    }

    /**
     * {@code llmforge <section>} on its own: the job's configuration, checked before Spark starts, then the job.
     */
    int runAlone(JobOptions options) {
      ConfigReader config = JobConfig.load(section, List.of(section), options.confFiles,
          options.overridesFor(section));
      Function<SparkSession, JobStats> ready = prepare(config);
      JobStats stats = ready.apply(Spark.session(config, "llmforge-" + section));
      Console.printStats(section, stats);
      return 0;
    }
  }

  /** Every step, in flow order. */
  static final List<Step<?>> STEPS = List.of(
      new Step<>("clean", true, CleanJob.DOCUMENTS, CleanSettings::from, CleanJob::run),
      new Step<>("dedup", true, DedupJob.DEDUPED, DedupSettings::from, DedupJob::run),
      new Step<>("classify-train", false, null, ClassifyTrainSettings::from, ClassifyTrainJob::run),
      new Step<>("classify", true, ClassifyJob.SCORED, ClassifySettings::from, ClassifyJob::run),
      new Step<>("rephrase", true, RephraseJob.DOCUMENTS, RephraseSettings::from,
          (spark, s) -> RephraseJob.run(spark, s, CheckpointRephraser.BACKENDS)),
      new Step<>("tokenizer-train", true, null, TokenizerTrainSettings::from, TokenizerTrainJob::run),
      new Step<>("tokenize", true, null, TokenizeSettings::from, TokenizeJob::run),
      new Step<>("pretrain", false, null, PretrainSettings::from, PretrainCommand::run),
      new Step<>("sft-prepare", false, null, SftPrepareSettings::from, SftPrepareJob::run),
      new Step<>("sft", false, null, SftSettings::from, SftCommand::run),
      new Step<>("pref-prepare", false, null, PreferencePrepareSettings::from, PreferencePrepareJob::run),
      new Step<>("rm-train", false, null, c -> RewardSettings.from(c, true),
          (spark, s) -> RewardTrainJob.run(spark, s, System.out)),
      new Step<>("dpo", false, null, DpoSettings::from, (spark, s) -> DpoTraining.run(spark, s, System.out)),
      new Step<>("kto", false, null, KtoSettings::from, (spark, s) -> KtoTraining.run(spark, s, System.out)),
      new Step<>("grpo", false, null, OnlineSettings::from, (spark, s) -> GrpoTraining.run(spark, s, System.out)),
      new Step<>("ppo", false, null, PpoSettings::from, (spark, s) -> PpoTraining.run(spark, s, System.out)),
      new Step<>("best-of-n", false, null, BestOfNSettings::from, BestOfNJob::run),
      new Step<>("judge", false, null, JudgeSettings::from, JudgeJob::run));

  /** The step named {@code section}. */
  static Step<?> step(String section) {
    return STEPS.stream().filter(s -> s.section().equals(section)).findFirst()
        .orElseThrow(() -> new IllegalArgumentException("no step " + section));
  }

  static List<String> sections() {
    return STEPS.stream().map(Step::section).toList();
  }

  private Flow() {}

  /**
   * The overrides that chain the chosen steps under {@code workdir}: every step writes {@code workdir/<step>},
   * every step after the first reads the previous data output, and tokenize reads the trained tokenizer.
   */
  static List<String> chain(List<String> chosen, Path workdir) {
    List<String> overrides = new ArrayList<>();
    String previousData = null;
    for (Step<?> step : STEPS) {
      if (!chosen.contains(step.section())) {
        continue;
      }
      String out = workdir.resolve(step.section()).toString();
      overrides.add(step.section() + ".output=" + quote(out));
      if (previousData != null && step.readsDocuments()) {
        overrides.add(step.section() + ".input=[" + quote(previousData) + "]");
      }
      if (step.section().equals("classify") && chosen.contains("classify-train")) {
        overrides.add("classify.model=" + quote(workdir.resolve("classify-train").toString()));
      }
      if (step.section().equals("tokenize")) {
        if (!chosen.contains("tokenizer-train")) {
          throw new ConfigError("run.steps: tokenize needs tokenizer-train before it in the same run");
        }
        overrides.add("tokenize.tokenizer=" + quote(workdir.resolve("tokenizer-train").toString()));
      }
      if (step.section().equals("pretrain")) {
        if (!chosen.contains("tokenize")) {
          throw new ConfigError("run.steps: pretrain needs tokenize before it in the same run");
        }
        overrides.add("pretrain.shards=" + quote(workdir.resolve("tokenize").toString()));
      }
      if (step.section().equals("sft-prepare") && chosen.contains("pretrain")) {
        overrides.add("sft-prepare.base=" + quote(workdir.resolve("pretrain").toString()));
      }
      if (step.section().equals("sft")) {
        if (!chosen.contains("sft-prepare")) {
          throw new ConfigError("run.steps: sft needs sft-prepare before it in the same run");
        }
        overrides.add("sft.data=" + quote(workdir.resolve("sft-prepare").toString()));
        if (chosen.contains("pretrain")) {
          overrides.add("sft.base=" + quote(workdir.resolve("pretrain").toString()));
        }
      }
      // the reward model starts from the fine-tuned model when the run has one, else from the pretrained one
      String backbone = chosen.contains("sft") ? workdir.resolve("sft").toString()
          : chosen.contains("pretrain") ? workdir.resolve("pretrain").toString() : null;
      if (step.section().equals("pref-prepare") && backbone != null) {
        overrides.add("pref-prepare.base=" + quote(backbone));
      }
      if (step.section().equals("rm-train")) {
        if (!chosen.contains("pref-prepare")) {
          throw new ConfigError("run.steps: rm-train needs pref-prepare before it in the same run");
        }
        overrides.add("rm-train.data=" + quote(workdir.resolve("pref-prepare").toString()));
        if (backbone != null) {
          overrides.add("rm-train.base=" + quote(backbone));
        }
      }
      if (step.section().equals("dpo") || step.section().equals("kto")) { // policy and reference: the backbone
        if (!chosen.contains("pref-prepare")) {
          throw new ConfigError("run.steps: " + step.section() + " needs pref-prepare before it in the same run");
        }
        overrides.add(step.section() + ".data=" + quote(workdir.resolve("pref-prepare").toString()));
        if (backbone != null) {
          overrides.add(step.section() + ".base=" + quote(backbone));
        }
      }
      if ((step.section().equals("grpo") || step.section().equals("ppo")) && backbone != null) {
        overrides.add(step.section() + ".base=" + quote(backbone)); // prompts are built in; the policy starts at sft
      }
      // best-of-n samples from the SFT model and scores with the run's reward model; the judge compares its pairs,
      // with the SFT model as the in-process judge when judge.backend = checkpoint
      if (step.section().equals("best-of-n")) {
        if (backbone != null) {
          overrides.add("best-of-n.policy=" + quote(backbone));
        }
        if (chosen.contains("rm-train")) {
          overrides.add("best-of-n.reward-model=" + quote(workdir.resolve("rm-train").toString()));
        }
      }
      if (step.section().equals("judge")) {
        if (chosen.contains("best-of-n")) {
          overrides.add("judge.input=[" + quote(workdir.resolve("best-of-n").resolve(BestOfNJob.PAIRS)) + "]");
        }
        if (backbone != null) {
          overrides.add("judge.checkpoint.path=" + quote(backbone));
        }
      }
      if (step.dataChild() != null) {
        previousData = out + "/" + step.dataChild();
      }
    }
    return overrides;
  }

  /** Checks the chosen steps before anything runs: known names, in flow order. */
  static List<String> validate(ConfigReader config, String key) {
    List<String> chosen = config.strings(key);
    List<String> known = sections();
    int last = -1;
    for (String s : chosen) {
      int index = known.indexOf(s);
      if (index < 0) {
        throw config.error(key, "names an unknown step '" + s + "'; steps are " + known);
      }
      if (index <= last) {
        throw config.error(key, "must list steps in flow order " + known);
      }
      last = index;
    }
    if (chosen.isEmpty()) {
      throw config.error(key, "is empty");
    }
    return chosen;
  }

  /** Runs the chosen steps in order; every step's settings are read (and so validated) before the first runs. */
  static Map<String, JobStats> run(SparkSession spark, ConfigReader config, List<String> chosen) {
    Map<String, Function<SparkSession, JobStats>> prepared = new LinkedHashMap<>();
    for (Step<?> step : STEPS) {
      if (chosen.contains(step.section())) {
        prepared.put(step.section(), step.prepare(config));
      }
    }
    Map<String, JobStats> results = new LinkedHashMap<>();
    prepared.forEach((section, job) -> {
      long t0 = System.nanoTime();
      JobStats stats = job.apply(spark);
      Console.printStats(section, stats);
      System.out.printf("  (%s took %.1f s)%n", section, (System.nanoTime() - t0) / 1e9);
      results.put(section, stats);
    });
    return results;
  }

  /** {@code s} as a HOCON string, for overrides built from paths. */
  static String quote(Object s) {
    return "\"" + s.toString().replace("\\", "\\\\").replace("\"", "\\\"") + "\"";
  }
}
