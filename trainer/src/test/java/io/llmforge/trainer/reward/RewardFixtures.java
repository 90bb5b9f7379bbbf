package io.llmforge.trainer.reward;

import io.llmforge.pipeline.config.JobConfig;
import io.llmforge.pipeline.config.ConfigReader;
import io.llmforge.trainer.preference.PreferencePrepareJob;
import io.llmforge.trainer.preference.PreferencePrepareSettings;
import io.llmforge.trainer.sft.SftFixtures;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/** Settings for the reward-model jobs on the tiny SFT fixtures' base and the generated polite-answer pairs. */
public final class RewardFixtures {
  private RewardFixtures() {}

  static final List<String> FAST = List.of("rm-train.batch-size=8", "rm-train.optimizer.learning-rate=3e-3",
      "rm-train.optimizer.min-learning-rate=3e-4", "rm-train.optimizer.warmup-steps=5", "rm-train.log-interval=5",
      "rm-train.eval-interval=20", "rm-train.checkpoint-interval=20", "rm-train.baseline.ngram-features=4096",
      "rm-train.baseline.ngram-reg-params=[0.01]");

  static ConfigReader config(Path base, Path rm, Path data, String... more) {
    List<String> o = new ArrayList<>(FAST);
    o.add("rm-train.base=\"" + base + "\"");
    o.add("rm-train.output=\"" + rm + "\"");
    if (data != null) {
      o.add("rm-train.data=\"" + data + "\"");
    }
    o.addAll(List.of(more));
    return JobConfig.load("rm-retrain", List.of("rm-train", "rm-retrain"), List.of(), o);
  }

  static RewardSettings train(Path base, Path rm, Path data, String... more) {
    return RewardSettings.from(config(base, rm, data, more), true);
  }

  static RetrainSettings retrain(Path base, Path rm, Path inbox, String... more) {
    List<String> o = new ArrayList<>(List.of("rm-retrain.input=[\"" + inbox + "\"]", "rm-retrain.min-new-pairs=50"));
    o.addAll(List.of(more));
    return RetrainSettings.from(config(base, rm, null, o.toArray(String[]::new)));
  }

  /** {@code pairs} generated pairs created at {@code at}, prepared for the base. */
  static Path preparedPairs(Path dir, Path base, int pairs, long seed, Instant at) {
    Path in = DemoPreferences.write(dir.resolve("in-" + seed + "/pairs.jsonl"), pairs, seed, at, false);
    Path out = dir.resolve("prefs-" + seed);
    PreferencePrepareJob.run(SftFixtures.spark(), PreferencePrepareSettings.from(JobConfig.load("pref-prepare",
        List.of("pref-prepare"), List.of(), List.of("pref-prepare.input=[\"" + in + "\"]",
            "pref-prepare.base=\"" + base + "\"", "pref-prepare.output=\"" + out + "\"",
            "pref-prepare.overwrite=true", "pref-prepare.output-partitions=1"))));
    return out;
  }
}
