package io.llmforge.jobs;

import io.llmforge.pipeline.config.ConfigReader;
import io.llmforge.pipeline.config.JobConfig;
import io.llmforge.pipeline.spark.JobStats;
import io.llmforge.trainer.sft.DistributedSft;
import io.llmforge.trainer.sft.SftSettings;
import io.llmforge.trainer.sft.SftTraining;
import java.util.List;
import java.util.concurrent.Callable;
import org.apache.hadoop.conf.Configuration;
import org.apache.spark.sql.SparkSession;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

/**
 * {@code llmforge sft}: fine-tunes a pretrained GPT on sft-prepare rows (full or LoRA); run it again on the same
 * output to resume. {@code sft.distributed.workers = 0} trains in this process without Spark; N runs N data-parallel
 * Spark barrier tasks, as pretrain.
 */
@Command(name = "sft", mixinStandardHelpOptions = true,
    description = "Supervised fine-tuning: sft-prepare rows + a pretrain checkpoint -> SFT checkpoint (assistant-only "
        + "loss; full or LoRA; resumes from the checkpoint in the output).")
final class SftCommand implements Callable<Integer> {
  @Mixin
  JobOptions options;

  @Override
  public Integer call() {
    ConfigReader config = JobConfig.load("sft", List.of("sft"), options.confFiles, options.overridesFor("sft"));
    SftSettings settings = SftSettings.from(config);
    JobStats stats = settings.workers() == 0
        ? SftTraining.run(settings, new Configuration(), System.out)
        : run(Spark.session(config, "llmforge-sft"), settings);
    Console.printStats("sft", stats);
    return 0;
  }

  /** The sft step of {@code llmforge run}, on the flow's session. */
  static JobStats run(SparkSession spark, SftSettings settings) {
    return settings.workers() == 0
        ? SftTraining.run(settings, spark.sparkContext().hadoopConfiguration(), System.out)
        : DistributedSft.run(spark, settings, System.out);
  }
}
