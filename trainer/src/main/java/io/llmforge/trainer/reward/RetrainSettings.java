package io.llmforge.trainer.reward;

import io.llmforge.pipeline.config.ConfigReader;
import io.llmforge.trainer.preference.PreferenceFormat;
import io.llmforge.trainer.preference.PreferencePrepareSettings;
import java.time.Duration;
import java.util.List;

/**
 * The {@code rm-retrain} job's settings ({@code rm-retrain.*}, conf/rm-retrain.conf), with the trainer's
 * ({@code rm-train.*}: backbone, reward-model folder, optimiser, batch...), validated before any work.
 *
 * @param input         the preference files / folders new judgements land in
 * @param minNewPairs   fewer new pairs than this since the last version: nothing to do
 * @param replayFraction older pairs mixed into the new ones, as a share of the new ones
 * @param tolerance     the gate: held-out accuracy may be lower than the current version's by at most this
 * @param lockWait      how long to wait for another run's lock before exiting
 */
public record RetrainSettings(
    RewardSettings train,
    List<String> input,
    PreferenceFormat format,
    int minNewPairs,
    double replayFraction,
    double tolerance,
    double valFraction,
    long seed,
    Duration lockWait) {

  public static RetrainSettings from(ConfigReader root) {
    ConfigReader c = root.at("rm-retrain");
    List<String> input = c.strings("input");
    if (input.isEmpty()) {
      throw c.error("input", "is empty; name the folders where new preference files land");
    }
    return new RetrainSettings(
        RewardSettings.from(root, false),
        input,
        c.enumValue("format", PreferenceFormat.class),
        c.intIn("min-new-pairs", 1, Integer.MAX_VALUE),
        c.doubleIn("replay-fraction", 0, 100),
        c.doubleIn("tolerance", 0, 1),
        c.doubleIn("val-fraction", 0.01, 0.9),
        c.longIn("seed", Long.MIN_VALUE, Long.MAX_VALUE),
        Duration.ofSeconds(c.intIn("lock-wait-seconds", 0, 7 * 24 * 3600)));
  }

  /** pref-prepare's settings for the inbox, writing into {@code output}. */
  public PreferencePrepareSettings prepare(String output) {
    return new PreferencePrepareSettings(input, format, train.base(), output, false, valFraction, seed, 2,
        false);
  }
}
