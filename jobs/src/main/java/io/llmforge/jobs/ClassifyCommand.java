package io.llmforge.jobs;

import io.llmforge.pipeline.config.ConfigReader;
import io.llmforge.pipeline.config.JobConfig;
import io.llmforge.pipeline.spark.JobStats;
import io.llmforge.quality.ClassifyJob;
import io.llmforge.quality.ClassifySettings;
import java.util.List;
import java.util.concurrent.Callable;
import org.apache.spark.sql.SparkSession;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

@Command(name = "classify", mixinStandardHelpOptions = true,
    description = "Documents -> scored/ (quality_score, sample_weight) and rejects/, by threshold or top fraction.")
final class ClassifyCommand implements Callable<Integer> {
  @Mixin
  JobOptions options;

  @Override
  public Integer call() {
    ConfigReader config = JobConfig.load(ClassifySettings.SECTION, List.of(ClassifySettings.SECTION),
        options.confFiles, options.overridesFor(ClassifySettings.SECTION));
    ClassifySettings settings = ClassifySettings.from(config);
    SparkSession spark = Spark.session(config, "llmforge-classify");
    JobStats stats = ClassifyJob.run(spark, settings);
    Console.printStats(ClassifySettings.SECTION, stats);
    return 0;
  }
}
