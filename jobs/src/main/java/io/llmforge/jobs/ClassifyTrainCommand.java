package io.llmforge.jobs;

import io.llmforge.pipeline.config.ConfigReader;
import io.llmforge.pipeline.config.JobConfig;
import io.llmforge.pipeline.spark.JobStats;
import io.llmforge.quality.ClassifyTrainJob;
import io.llmforge.quality.ClassifyTrainSettings;
import java.util.List;
import java.util.concurrent.Callable;
import org.apache.spark.sql.SparkSession;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

@Command(name = "classify-train", mixinStandardHelpOptions = true,
    description = "Reference-quality vs web text -> quality classifier (MLlib PipelineModel) with held-out metrics.")
final class ClassifyTrainCommand implements Callable<Integer> {
  @Mixin
  JobOptions options;

  @Override
  public Integer call() {
    ConfigReader config = JobConfig.load(ClassifyTrainSettings.SECTION, List.of(ClassifyTrainSettings.SECTION),
        options.confFiles, options.overridesFor(ClassifyTrainSettings.SECTION));
    ClassifyTrainSettings settings = ClassifyTrainSettings.from(config);
    SparkSession spark = Spark.session(config, "llmforge-classify-train");
    JobStats stats = ClassifyTrainJob.run(spark, settings);
    Console.printStats(ClassifyTrainSettings.SECTION, stats);
    return 0;
  }
}
