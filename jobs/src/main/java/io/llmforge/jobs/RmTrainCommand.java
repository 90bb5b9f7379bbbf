package io.llmforge.jobs;

import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

/**
 * {@code llmforge rm-train}: trains the next reward-model version on pref-prepare pairs (in this process, or
 * data-parallel with {@code rm-train.distributed.workers}); run it again to resume a killed training.
 */
@Command(name = "rm-train", mixinStandardHelpOptions = true,
    description = "Reward model: pref-prepare pairs + an SFT/pretrain backbone -> rm/vN (Bradley-Terry; full or "
        + "LoRA; metrics.json with held-out accuracy, calibration and two baselines; watermark.json).")
final class RmTrainCommand implements Callable<Integer> {
  @Mixin
  JobOptions options;

  @Override
  public Integer call() {
    return Flow.step("rm-train").runAlone(options);
  }
}
