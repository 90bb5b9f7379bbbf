package io.llmforge.jobs;

import io.llmforge.pipeline.config.ConfigReader;
import io.llmforge.pipeline.config.JobConfig;
import io.llmforge.pipeline.shards.TokenizeJob;
import io.llmforge.pipeline.shards.TokenizeSettings;
import io.llmforge.pipeline.spark.JobStats;
import java.util.List;
import java.util.concurrent.Callable;
import org.apache.spark.sql.SparkSession;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

/** {@code llmforge tokenize}: the tokenize job (pipeline {@code TokenizeJob}). */
@Command(name = "tokenize", mixinStandardHelpOptions = true,
    description = "Documents + tokenizer.json -> packed, shuffled token shards (train/val) with manifest.json.")
final class TokenizeCommand implements Callable<Integer> {
  @Mixin
  JobOptions options;

  @Override
  public Integer call() {
    ConfigReader config = JobConfig.load("tokenize", List.of(TokenizeSettings.SECTION), options.confFiles,
        options.overridesFor(TokenizeSettings.SECTION));
    TokenizeSettings settings = TokenizeSettings.from(config);
    SparkSession spark = Spark.session(config, "llmforge-tokenize");
    JobStats stats = TokenizeJob.run(spark, settings);
    Console.printStats("tokenize", stats);
    return 0;
  }
}
