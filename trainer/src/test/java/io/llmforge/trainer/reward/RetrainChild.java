package io.llmforge.trainer.reward;

import io.llmforge.trainer.sft.SftFixtures;
import java.nio.file.Path;

/** The rm-retrain run that {@link RetrainKillTest} kills: base, reward-model folder, inbox. */
public final class RetrainChild {
  private RetrainChild() {}

  public static void main(String[] args) {
    RewardRetrainJob.run(SftFixtures.spark(), RetrainKillTest.settings(Path.of(args[0]), Path.of(args[1]),
        Path.of(args[2])), System.out);
  }
}
