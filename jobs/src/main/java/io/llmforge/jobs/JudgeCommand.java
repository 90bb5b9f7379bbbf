package io.llmforge.jobs;

import io.llmforge.pipeline.config.ConfigReader;
import io.llmforge.pipeline.config.JobConfig;
import io.llmforge.trainer.judge.JudgeJob;
import io.llmforge.trainer.judge.JudgeSettings;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

/** {@code llmforge judge}: the AI-judge Spark job (trainer {@code JudgeJob}). */
@Command(name = "judge", mixinStandardHelpOptions = true,
    description = "RLAIF: an AI judge (an OpenAI-compatible endpoint or an llmforge checkpoint) compares two answers "
        + "in both orders -> preference rows (source ai-judge, created_at) in a new file in the rm-retrain inbox.")
final class JudgeCommand implements Callable<Integer> {
  @Mixin
  JobOptions options;

  @Override
  public Integer call() {
    ConfigReader config = JobConfig.load("judge", List.of("judge"), options.confFiles, options.overridesFor("judge"));
    JudgeSettings settings = JudgeSettings.from(config);
    settings.checkModel(); // before Spark starts: alone, a checkpoint judge must already be there
    Console.printStats("judge", JudgeJob.run(Spark.session(config, "llmforge-judge"), settings));
    return 0;
  }
}
