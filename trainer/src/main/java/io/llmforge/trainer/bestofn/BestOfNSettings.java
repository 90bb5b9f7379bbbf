package io.llmforge.trainer.bestofn;

import io.llmforge.pipeline.config.ConfigError;
import io.llmforge.pipeline.config.ConfigReader;
import io.llmforge.trainer.generate.Sampler;
import io.llmforge.trainer.sft.ConversationFormat;
import java.io.Serializable;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * The {@code best-of-n} job's settings ({@code best-of-n.*}, conf/best-of-n.conf), validated before any work.
 *
 * @param policy      the model answers are sampled from (a run folder or one checkpoint)
 * @param rewardModel an rm folder (its current version), one version, or a checkpoint
 * @param requireStop only answers ending with {@code <|end|>} may be chosen
 */
public record BestOfNSettings(List<String> input, ConversationFormat format, String policy, String rewardModel,
    String output, boolean overwrite, int n, double temperature, int topK, double topP, int maxNewTokens, long seed,
    boolean requireStop, int rmBatchSize, int outputPartitions) implements Serializable {

  public static BestOfNSettings from(ConfigReader root) {
    ConfigReader c = root.at("best-of-n");
    List<String> input = c.strings("input");
    if (input.isEmpty()) {
      throw c.error("input", "is empty; list prompt files or folders (conversations, or rows with a \"prompt\")");
    }
    return new BestOfNSettings(input, c.enumValue("format", ConversationFormat.class), c.requiredString("policy"),
        c.requiredString("reward-model"), c.requiredString("output"), c.bool("overwrite"), c.intIn("n", 1, 1024),
        c.doubleIn("temperature", 0.01, 5), c.intIn("top-k", 0, 1 << 20), c.doubleIn("top-p", 1e-6, 1),
        c.intIn("max-new-tokens", 1, 1 << 16), c.longIn("seed", Long.MIN_VALUE, Long.MAX_VALUE),
        c.bool("require-stop"), c.intIn("rm-batch-size", 1, 4096), c.intIn("output-partitions", 1, 100_000));
  }

  /**
   * Fails naming the key when a model folder is missing: checked when the job starts rather than here, since in
   * {@code llmforge run} the models are made by earlier steps of the same run.
   */
  public void checkModels() {
    for (String[] kv : new String[][] {{"policy", policy}, {"reward-model", rewardModel}}) {
      if (!Files.isDirectory(Path.of(kv[1]))) {
        throw new ConfigError("best-of-n." + kv[0] + ": " + kv[1] + " is not a folder");
      }
    }
  }

  public Sampler sampler() {
    return new Sampler(temperature, topK, topP);
  }

  public BestOfN.Options options() {
    return new BestOfN.Options(n, sampler(), maxNewTokens, seed, requireStop, rmBatchSize);
  }
}
