package io.llmforge.trainer.reward;

import io.llmforge.pipeline.config.ConfigReader;
import io.llmforge.trainer.sft.ConversationFormat;
import java.io.Serializable;
import java.util.List;

/**
 * The {@code rm-score} job's settings ({@code rm-score.*}, conf/rm-score.conf), validated before any work.
 *
 * @param model a reward-model folder (its {@code current} version), one version {@code rm/vN}, or a checkpoint
 */
public record RewardScoreSettings(List<String> input, ConversationFormat format, String model, String output,
    boolean overwrite, int batchSize, int outputPartitions) implements Serializable {

  public static RewardScoreSettings from(ConfigReader root) {
    ConfigReader c = root.at("rm-score");
    List<String> input = c.strings("input");
    if (input.isEmpty()) {
      throw c.error("input", "is empty; list conversation files or folders whose last turn is the answer to score");
    }
    return new RewardScoreSettings(input, c.enumValue("format", ConversationFormat.class), c.requiredString("model"),
        c.requiredString("output"), c.bool("overwrite"), c.intIn("batch-size", 1, 4096),
        c.intIn("output-partitions", 1, 100_000));
  }
}
