package io.llmforge.trainer.preference;

import io.llmforge.pipeline.config.ConfigReader;
import java.io.Serializable;
import java.util.List;

/**
 * The {@code pref-prepare} job's settings ({@code pref-prepare.*}, conf/pref-prepare.conf), validated before any work.
 *
 * @param base        the model the rows are for: a run folder or one checkpoint (its tokenizer.json and block size)
 * @param valFraction share of prompts held out (by a stable hash of the prompt)
 * @param truncate    cut what does not fit instead of rejecting it (for DPO / KTO; a reward model refuses such data)
 */
public record PreferencePrepareSettings(
    List<String> input,
    PreferenceFormat format,
    String base,
    String output,
    boolean overwrite,
    double valFraction,
    long seed,
    int outputPartitions,
    boolean truncate) implements Serializable {

  public static PreferencePrepareSettings from(ConfigReader root) {
    ConfigReader c = root.at("pref-prepare");
    List<String> input = c.strings("input");
    if (input.isEmpty()) {
      throw c.error("input", "is empty; list preference files or folders (JSON, JSONL, Parquet; .gz allowed)");
    }
    return new PreferencePrepareSettings(
        input,
        c.enumValue("format", PreferenceFormat.class),
        c.requiredString("base"),
        c.requiredString("output"),
        c.bool("overwrite"),
        c.doubleIn("val-fraction", 0, 0.9),
        c.longIn("seed", Long.MIN_VALUE, Long.MAX_VALUE),
        c.intIn("output-partitions", 1, 100_000),
        c.bool("truncate"));
  }

  /** The same settings writing elsewhere (rm-retrain prepares into its own folder). */
  public PreferencePrepareSettings withOutput(String output, boolean overwrite) {
    return new PreferencePrepareSettings(input, format, base, output, overwrite, valFraction, seed, outputPartitions,
        truncate);
  }
}
