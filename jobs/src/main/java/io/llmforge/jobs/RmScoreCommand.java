package io.llmforge.jobs;

import io.llmforge.pipeline.config.ConfigReader;
import io.llmforge.pipeline.config.JobConfig;
import io.llmforge.pipeline.spark.JobStats;
import io.llmforge.trainer.reward.RewardScoreJob;
import io.llmforge.trainer.reward.RewardScoreSettings;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

/** {@code llmforge rm-score}: the rm-score Spark job (trainer {@code RewardScoreJob}). */
@Command(name = "rm-score", mixinStandardHelpOptions = true,
    description = "Score conversations (last turn = the answer) with a reward model (rm/current by default) -> "
        + "Parquet of rewards, rejects with reasons.")
final class RmScoreCommand implements Callable<Integer> {
  @Mixin
  JobOptions options;

  @Override
  public Integer call() {
    ConfigReader config = JobConfig.load("rm-score", List.of("rm-score"), options.confFiles,
        options.overridesFor("rm-score"));
    RewardScoreSettings settings = RewardScoreSettings.from(config);
    JobStats stats = RewardScoreJob.run(Spark.session(config, "llmforge-rm-score"), settings);
    Console.printStats("rm-score", stats);
    return 0;
  }
}
