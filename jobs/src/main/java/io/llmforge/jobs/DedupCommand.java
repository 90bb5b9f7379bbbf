package io.llmforge.jobs;

import io.llmforge.dedup.DedupJob;
import io.llmforge.dedup.DedupSettings;
import io.llmforge.pipeline.config.ConfigReader;
import io.llmforge.pipeline.config.JobConfig;
import io.llmforge.pipeline.spark.JobStats;
import java.util.List;
import java.util.concurrent.Callable;
import org.apache.spark.sql.SparkSession;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

@Command(name = "dedup", mixinStandardHelpOptions = true,
    description = "documents/ Parquet -> near-duplicate clusters (MinHash LSH): deduped/, clusters/, stats.json.")
final class DedupCommand implements Callable<Integer> {
  @Mixin
  JobOptions options;

  @Override
  public Integer call() {
    ConfigReader config = JobConfig.load("dedup", List.of("dedup"), options.confFiles, options.overridesFor("dedup"));
    DedupSettings settings = DedupSettings.from(config);
    SparkSession spark = Spark.session(config, "llmforge-dedup");
    JobStats stats = DedupJob.run(spark, settings);
    Console.printStats("dedup", stats);
    return 0;
  }
}
