package io.llmforge.jobs;

import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

/**
 * {@code llmforge ppo}: proximal policy optimisation of an SFT model on verifiable tasks, with a value head and GAE
 * (in this process, or data-parallel with {@code ppo.distributed.workers}); run it again to resume.
 */
@Command(name = "ppo", mixinStandardHelpOptions = true,
    description = "PPO: sample answers to verifiable tasks on the KV cache, reward exact answers minus a per-token KL "
        + "penalty to the SFT model, GAE advantages from a value head, clipped policy and value losses -> "
        + "checkpoints; resumes exactly.")
final class PpoCommand implements Callable<Integer> {
  @Mixin
  JobOptions options;

  @Override
  public Integer call() {
    return Flow.step("ppo").runAlone(options);
  }
}
