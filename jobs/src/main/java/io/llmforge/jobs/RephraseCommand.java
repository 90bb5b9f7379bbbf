package io.llmforge.jobs;

import io.llmforge.pipeline.config.ConfigReader;
import io.llmforge.pipeline.config.JobConfig;
import io.llmforge.pipeline.rephrase.RephraseJob;
import io.llmforge.pipeline.rephrase.RephraseSettings;
import io.llmforge.pipeline.spark.JobStats;
import java.util.List;
import java.util.concurrent.Callable;
import org.apache.spark.sql.SparkSession;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

/** {@code llmforge rephrase}: the rephrase job (pipeline {@code RephraseJob}). */
@Command(name = "rephrase", mixinStandardHelpOptions = true,
    description = "Documents -> documents plus LLM rewrites (encyclopedic, Q&A, ...) of a fraction of them, through "
        + "an OpenAI-compatible endpoint; cached and resumable.")
final class RephraseCommand implements Callable<Integer> {
  @Mixin
  JobOptions options;

  @Override
  public Integer call() {
    ConfigReader config = JobConfig.load("rephrase", List.of(RephraseSettings.SECTION), options.confFiles,
        options.overridesFor(RephraseSettings.SECTION));
    RephraseSettings settings = RephraseSettings.from(config);
    SparkSession spark = Spark.session(config, "llmforge-rephrase");
    JobStats stats = RephraseJob.run(spark, settings);
    Console.printStats("rephrase", stats);
    return 0;
  }
}
