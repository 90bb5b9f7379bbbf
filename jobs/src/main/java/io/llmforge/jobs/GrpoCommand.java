package io.llmforge.jobs;

import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

/**
 * {@code llmforge grpo}: group relative policy optimisation of an SFT model on verifiable tasks (in this process, or
 * data-parallel with {@code grpo.distributed.workers}); run it again to resume.
 */
@Command(name = "grpo", mixinStandardHelpOptions = true,
    description = "GRPO: sample answers to verifiable tasks on the KV cache, reward exact answers, group-normalised "
        + "advantages, clipped ratio + k3 KL to the SFT model -> checkpoints; resumes exactly.")
final class GrpoCommand implements Callable<Integer> {
  @Mixin
  JobOptions options;

  @Override
  public Integer call() {
    return Flow.step("grpo").runAlone(options);
  }
}
