package io.llmforge.jobs;

import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

/**
 * {@code llmforge dpo}: direct preference optimisation of an SFT model on pref-prepare pairs (in this process, or
 * data-parallel with {@code dpo.distributed.workers}); run it again to resume.
 */
@Command(name = "dpo", mixinStandardHelpOptions = true,
    description = "DPO (sigmoid / IPO / conservative): pref-prepare pairs + an SFT model (policy and frozen reference) "
        + "-> checkpoints; reference log-probs computed once; TRL's reward metrics; resumes.")
final class DpoCommand implements Callable<Integer> {
  @Mixin
  JobOptions options;

  @Override
  public Integer call() {
    return Flow.step("dpo").runAlone(options);
  }
}
