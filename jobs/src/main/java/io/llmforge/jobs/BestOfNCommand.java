package io.llmforge.jobs;

import io.llmforge.pipeline.config.ConfigReader;
import io.llmforge.pipeline.config.JobConfig;
import io.llmforge.trainer.bestofn.BestOfNJob;
import io.llmforge.trainer.bestofn.BestOfNSettings;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

/** {@code llmforge best-of-n}: the best-of-n Spark job (trainer {@code BestOfNJob}). */
@Command(name = "best-of-n", mixinStandardHelpOptions = true,
    description = "Rejection sampling: N answers per prompt from a policy, scored by the reward model (rm/current) -> "
        + "the favourite as SFT conversations, every answer with its reward and rank, best/worst pairs for the "
        + "judge, rejects with reasons.")
final class BestOfNCommand implements Callable<Integer> {
  @Mixin
  JobOptions options;

  @Override
  public Integer call() {
    ConfigReader config = JobConfig.load("best-of-n", List.of("best-of-n"), options.confFiles,
        options.overridesFor("best-of-n"));
    BestOfNSettings settings = BestOfNSettings.from(config);
    settings.checkModels(); // before Spark starts: alone, the models must already be there
    Console.printStats("best-of-n", BestOfNJob.run(Spark.session(config, "llmforge-best-of-n"), settings));
    return 0;
  }
}
