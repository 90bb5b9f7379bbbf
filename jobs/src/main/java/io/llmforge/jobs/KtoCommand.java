package io.llmforge.jobs;

import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

/**
 * {@code llmforge kto}: Kahneman-Tversky optimisation of an SFT model on pref-prepare's labelled answers (in this
 * process, or data-parallel with {@code kto.distributed.workers}); run it again to resume.
 */
@Command(name = "kto", mixinStandardHelpOptions = true,
    description = "KTO: pref-prepare's thumbs-up/down answers (and pairs split in two) + an SFT model (policy and "
        + "frozen reference) -> checkpoints; reference log-probs computed once; TRL's reward metrics; resumes.")
final class KtoCommand implements Callable<Integer> {
  @Mixin
  JobOptions options;

  @Override
  public Integer call() {
    return Flow.step("kto").runAlone(options);
  }
}
