package io.llmforge.jobs;

import io.llmforge.pipeline.clean.CleanJob;
import io.llmforge.pipeline.clean.CleanSettings;
import io.llmforge.pipeline.config.ConfigReader;
import io.llmforge.pipeline.config.JobConfig;
import io.llmforge.pipeline.spark.JobStats;
import java.util.List;
import java.util.concurrent.Callable;
import org.apache.spark.sql.SparkSession;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

@Command(name = "clean", mixinStandardHelpOptions = true,
    description = "Crawl files (WARC/WET/ARC/HTML/JSONL) -> documents/ and rejects/ Parquet, with stats.json.")
final class CleanCommand implements Callable<Integer> {
  @Mixin
  JobOptions options;

  @Override
  public Integer call() {
    ConfigReader config = JobConfig.load("clean", List.of("clean"), options.confFiles, options.overridesFor("clean"));
    CleanSettings settings = CleanSettings.from(config);
    SparkSession spark = Spark.session(config, "llmforge-clean");
    JobStats stats = CleanJob.run(spark, settings);
    Console.printStats("clean", stats);
    return 0;
  }
}
