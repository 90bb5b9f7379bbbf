package io.llmforge.jobs;

import io.llmforge.pipeline.config.ConfigReader;
import io.llmforge.pipeline.config.JobConfig;
import io.llmforge.pipeline.spark.JobStats;
import io.llmforge.pipeline.tokenizer.TokenizerTrainJob;
import io.llmforge.pipeline.tokenizer.TokenizerTrainSettings;
import java.util.List;
import java.util.concurrent.Callable;
import org.apache.spark.sql.SparkSession;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

/** {@code llmforge tokenizer-train}: the tokenizer-train job (pipeline {@code TokenizerTrainJob}). */
@Command(name = "tokenizer-train", mixinStandardHelpOptions = true,
    description = "Documents -> byte-level BPE tokenizer.json (pre-token counts in Spark, merges on the driver).")
final class TokenizerTrainCommand implements Callable<Integer> {
  @Mixin
  JobOptions options;

  @Override
  public Integer call() {
    ConfigReader config = JobConfig.load("tokenizer-train", List.of(TokenizerTrainSettings.SECTION),
        options.confFiles, options.overridesFor(TokenizerTrainSettings.SECTION));
    TokenizerTrainSettings settings = TokenizerTrainSettings.from(config);
    SparkSession spark = Spark.session(config, "llmforge-tokenizer-train");
    JobStats stats = TokenizerTrainJob.run(spark, settings);
    Console.printStats("tokenizer-train", stats);
    return 0;
  }
}
