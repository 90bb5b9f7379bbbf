package io.llmforge.quality;

import com.typesafe.config.ConfigException;
import com.typesafe.config.ConfigObject;
import io.llmforge.pipeline.config.ConfigError;
import io.llmforge.pipeline.config.ConfigReader;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * The classify job's settings ({@code conf/classify.conf}), validated before any work starts.
 *
 * @param inputs           documents Parquet folders to score (read together)
 * @param model            a finished classify-train output folder
 * @param output           the job folder
 * @param outputPartitions Parquet files per output data set, 0 keeps Spark's partitioning
 * @param mode             threshold or top-fraction
 * @param threshold        keep score >= threshold (mode threshold)
 * @param topFraction      keep the best share (mode top-fraction)
 * @param weights          upsampling tiers ({@link WeightTiers#none()} when weights are disabled)
 * @param quantileError    relative error of approxQuantile
 */
public record ClassifySettings(List<String> inputs, String model, String output, boolean overwrite,
                               int outputPartitions, KeepMode mode, double threshold, double topFraction,
                               WeightTiers weights, double quantileError) {
  public static final String SECTION = "classify";

  public ClassifySettings {
    inputs = List.copyOf(inputs);
  }

  /** @param root the whole loaded configuration (this job reads the {@code classify} section) */
  public static ClassifySettings from(ConfigReader root) {
    ConfigReader c = root.at(SECTION);
    ConfigReader keep = c.at("keep");
    KeepMode mode = keep.enumValue("mode", KeepMode.class);
    double threshold = keep.doubleIn("threshold", 0, 1);
    double topFraction = keep.doubleIn("top-fraction", 0, 1);
    if (topFraction == 0) {
      throw keep.error("top-fraction", "is 0, must be in (0, 1]: 0 would keep nothing");
    }
    List<String> inputs = c.strings("input");
    if (inputs.isEmpty()) {
      throw c.error("input", "is required: the documents Parquet folder(s) to score");
    }
    ConfigReader w = c.at("weights");
    WeightTiers tiers = w.bool("enabled") ? tiers(root, w) : WeightTiers.none();
    return new ClassifySettings(inputs, c.requiredString("model"), c.requiredString("output"),
        c.bool("overwrite"), c.intIn("output-partitions", 0, 1_000_000), mode, threshold, topFraction, tiers,
        c.doubleIn("quantile-error", 0, 0.1));
  }

  private static WeightTiers tiers(ConfigReader root, ConfigReader w) {
    String key = SECTION + ".weights.tiers";
    List<? extends ConfigObject> objects;
    try {
      objects = root.raw().getObjectList(key);
    } catch (ConfigException e) {
      throw new ConfigError(key + " must be a list such as [{top = 0.1, repeats = 4}]: " + e.getMessage(), e);
    }
    List<WeightTiers.Tier> tiers = new ArrayList<>();
    for (int i = 0; i < objects.size(); i++) {
      String at = key + "." + i;
      ConfigObject object = objects.get(i);
      if (!Set.of("top", "repeats").containsAll(object.keySet()) || object.size() != 2) {
        throw new ConfigError(object.origin().description() + ": " + at + " must have exactly the keys top and "
            + "repeats, has " + object.keySet());
      }
      ConfigReader t = new ConfigReader(object.toConfig().atPath(at)).at(at);
      tiers.add(new WeightTiers.Tier(t.doubleIn("top", 0, 1), t.doubleIn("repeats", 1, WeightTiers.MAX_REPEATS)));
    }
    double base = w.doubleIn("base-repeats", 1, WeightTiers.MAX_REPEATS);
    try {
      return new WeightTiers(tiers, base);
    } catch (IllegalArgumentException e) {
      throw w.error("tiers", e.getMessage());
    }
  }
}
