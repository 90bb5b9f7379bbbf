package io.llmforge.jobs;

import io.llmforge.pipeline.config.ConfigReader;
import io.llmforge.pipeline.config.JobConfig;
import io.llmforge.pipeline.spark.JobStats;
import io.llmforge.trainer.PretrainSettings;
import io.llmforge.trainer.Pretraining;
import java.util.List;
import java.util.concurrent.Callable;
import org.apache.hadoop.conf.Configuration;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

/**
 * {@code llmforge pretrain}: trains a GPT from token shards in this process (trainer {@code Pretraining}); run it
 * again on the same output to resume after a kill. No Spark session: a single trainer needs none.
 */
@Command(name = "pretrain", mixinStandardHelpOptions = true,
    description = "Token shards -> GPT checkpoint (single process; resumes from the checkpoint in the output).")
final class PretrainCommand implements Callable<Integer> {
  @Mixin
  JobOptions options;

  @Override
  public Integer call() {
    ConfigReader config = JobConfig.load("pretrain", List.of("pretrain"), options.confFiles,
        options.overridesFor("pretrain"));
    PretrainSettings settings = PretrainSettings.from(config);
    JobStats stats = Pretraining.run(settings, new Configuration(), System.out);
    Console.printStats("pretrain", stats);
    return 0;
  }
}
