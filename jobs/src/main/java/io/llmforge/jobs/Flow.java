package io.llmforge.jobs;

import io.llmforge.dedup.DedupJob;
import io.llmforge.dedup.DedupSettings;
import io.llmforge.pipeline.clean.CleanJob;
import io.llmforge.pipeline.clean.CleanSettings;
import io.llmforge.pipeline.config.ConfigError;
import io.llmforge.pipeline.config.ConfigReader;
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
import io.llmforge.trainer.PretrainSettings;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
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
   */
  record Step(String section, boolean readsDocuments, String dataChild, Runner runner) {}

  @FunctionalInterface
  interface Runner {
    JobStats run(SparkSession spark, ConfigReader config);
  }

  /** Every step, in flow order. */
  static final List<Step> STEPS = List.of(
      new Step("clean", true, CleanJob.DOCUMENTS, (spark, c) -> CleanJob.run(spark, CleanSettings.from(c))),
      new Step("dedup", true, DedupJob.DEDUPED, (spark, c) -> DedupJob.run(spark, DedupSettings.from(c))),
      new Step("classify-train", false, null,
          (spark, c) -> ClassifyTrainJob.run(spark, ClassifyTrainSettings.from(c))),
      new Step("classify", true, ClassifyJob.SCORED, (spark, c) -> ClassifyJob.run(spark, ClassifySettings.from(c))),
      new Step("rephrase", true, RephraseJob.DOCUMENTS, (spark, c) -> RephraseJob.run(spark, RephraseSettings.from(c))),
      new Step("tokenizer-train", true, null,
          (spark, c) -> TokenizerTrainJob.run(spark, TokenizerTrainSettings.from(c))),
      new Step("tokenize", true, null, (spark, c) -> TokenizeJob.run(spark, TokenizeSettings.from(c))),
      new Step("pretrain", false, null, (spark, c) -> PretrainCommand.run(spark, PretrainSettings.from(c))));

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
    for (Step step : STEPS) {
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
    for (Step step : STEPS) {
      if (chosen.contains(step.section())) {
        validateSettings(step.section(), config);
      }
    }
    Map<String, JobStats> results = new LinkedHashMap<>();
    for (Step step : STEPS) {
      if (!chosen.contains(step.section())) {
        continue;
      }
      long t0 = System.nanoTime();
      JobStats stats = step.runner().run(spark, config);
      Console.printStats(step.section(), stats);
      System.out.printf("  (%s took %.1f s)%n", step.section(), (System.nanoTime() - t0) / 1e9);
      results.put(step.section(), stats);
    }
    return results;
  }

  private static void validateSettings(String section, ConfigReader c) {
    switch (section) {
      case "clean" -> CleanSettings.from(c);
      case "dedup" -> DedupSettings.from(c);
      case "classify-train" -> ClassifyTrainSettings.from(c);
      case "classify" -> ClassifySettings.from(c);
      case "rephrase" -> RephraseSettings.from(c);
      case "tokenizer-train" -> TokenizerTrainSettings.from(c);
      case "tokenize" -> TokenizeSettings.from(c);
      case "pretrain" -> PretrainSettings.from(c);
      default -> throw new IllegalStateException("no settings reader for step " + section);
    }
  }

  private static String quote(String s) {
    return "\"" + s.replace("\\", "\\\\").replace("\"", "\\\"") + "\"";
  }
}
