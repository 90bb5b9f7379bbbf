package io.llmforge.jobs;

import io.llmforge.pipeline.config.ConfigReader;
import io.llmforge.pipeline.config.JobConfig;
import io.llmforge.pipeline.spark.JobStats;
import io.llmforge.trainer.pretrain.DistributedPretraining;
import io.llmforge.trainer.pretrain.PretrainSettings;
import io.llmforge.trainer.pretrain.Pretraining;
import java.util.List;
import java.util.concurrent.Callable;
import org.apache.hadoop.conf.Configuration;
import org.apache.spark.sql.SparkSession;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

/**
 * {@code llmforge pretrain}: trains a GPT from token shards; run it again on the same output to resume after a kill.
 * With {@code pretrain.distributed.workers = 0} (the default) it trains in this process and starts no Spark; with N
 * workers it runs trainer {@code DistributedPretraining}: N data-parallel Spark barrier tasks on the job's session
 * ({@code local[*]} here, the cluster under spark-submit).
 */
@Command(name = "pretrain", mixinStandardHelpOptions = true,
    description = "Token shards -> GPT checkpoint (one process, or data-parallel Spark tasks with "
        + "pretrain.distributed.workers; resumes from the checkpoint in the output).")
final class PretrainCommand implements Callable<Integer> {
  @Mixin
  JobOptions options;

  @Override
  public Integer call() {
    ConfigReader config = JobConfig.load("pretrain", List.of("pretrain"), options.confFiles,
        options.overridesFor("pretrain"));
    PretrainSettings settings = PretrainSettings.from(config);
    JobStats stats = settings.workers() == 0
        ? Pretraining.run(settings, new Configuration(), System.out) // one process needs no Spark
        : run(Spark.session(config, "llmforge-pretrain"), settings);
    Console.printStats("pretrain", stats);
    return 0;
  }

  /** The pretrain step of {@code llmforge run}, on the flow's session. */
  static JobStats run(SparkSession spark, PretrainSettings settings) {
    return settings.workers() == 0
        ? Pretraining.run(settings, spark.sparkContext().hadoopConfiguration(), System.out)
        : DistributedPretraining.run(spark, settings, System.out);
  }
}
