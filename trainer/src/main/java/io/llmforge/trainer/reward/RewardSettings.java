package io.llmforge.trainer.reward;

import io.llmforge.pipeline.config.ConfigReader;
import io.llmforge.trainer.engine.LoraSettings;
import io.llmforge.trainer.optim.OptimizerSettings;
import java.io.Serializable;

/**
 * The reward-model trainer's settings ({@code rm-train.*}, conf/rm-train.conf), validated before any work; rm-retrain
 * trains with the same ones. Serializable: data-parallel training ships them to every executor.
 *
 * @param data       a pref-prepare output ("" when rm-retrain prepares its own)
 * @param base       the backbone to start v1 from: an SFT or pretrain run folder, or one checkpoint
 * @param output     the reward-model folder: versions v1, v2, ... and the {@code current} pointer
 * @param overwrite  rm-train deletes the whole reward-model folder (every version) first
 * @param promote    whether rm-train points {@code current} at the version it trained
 * @param epochs     passes over the training pairs (when {@code maxSteps} is 0)
 * @param decayOverRun {@code optimizer.decay-steps} is 0: the cosine ends at the run's last step
 * @param useMargin  read each pair's margin from the data (0 where it has none)
 * @param centring   TRL's center_rewards_coefficient (0: off)
 */
public record RewardSettings(
    String data,
    String base,
    String output,
    boolean overwrite,
    boolean promote,
    long seed,
    int batchSize,
    boolean groupByLength,
    double epochs,
    int maxSteps,
    OptimizerSettings optimizer,
    boolean decayOverRun,
    LoraSettings lora,
    boolean useMargin,
    double centring,
    int evalInterval,
    int checkpointInterval,
    int keepLast,
    int logInterval,
    double peakTflops,
    int ngramFeatures,
    java.util.List<Double> ngramRegParams,
    int workers,
    int exchangeTimeoutSeconds) implements Serializable {

  public static RewardSettings from(ConfigReader root, boolean requireData) {
    ConfigReader c = root.at("rm-train");
    return new RewardSettings(
        requireData ? c.requiredString("data") : c.string("data"),
        c.requiredString("base"),
        c.requiredString("output"),
        c.bool("overwrite"),
        c.bool("promote"),
        c.longIn("seed", Long.MIN_VALUE, Long.MAX_VALUE),
        c.intIn("batch-size", 1, 1 << 20),
        c.bool("group-by-length"),
        c.doubleIn("epochs", 0.01, 1000),
        c.intIn("max-steps", 0, Integer.MAX_VALUE),
        OptimizerSettings.from(c.at("optimizer"), c.intIn("grad-accum-steps", 1, 1 << 20), true),
        c.at("optimizer").intIn("decay-steps", 0, Integer.MAX_VALUE) == 0,
        LoraSettings.from(c.at("lora")),
        c.bool("use-margin"),
        c.doubleIn("center-rewards-coefficient", 0, 100),
        c.intIn("eval-interval", 1, Integer.MAX_VALUE),
        c.intIn("checkpoint-interval", 1, Integer.MAX_VALUE),
        c.intIn("keep-last", 1, 1000),
        c.intIn("log-interval", 1, Integer.MAX_VALUE),
        c.doubleIn("peak-tflops", 0, 1e6),
        c.at("baseline").intIn("ngram-features", 1 << 10, 1 << 24),
        regParams(c.at("baseline")),
        c.at("distributed").intIn("workers", 0, 4096),
        c.at("distributed").intIn("exchange-timeout-seconds", 1, 7 * 24 * 3600));
  }

  private static java.util.List<Double> regParams(ConfigReader b) {
    java.util.List<String> values = b.strings("ngram-reg-params");
    if (values.isEmpty() || values.size() > 20) {
      throw b.error("ngram-reg-params", "must list 1 to 20 regularisation strengths");
    }
    java.util.List<Double> out = new java.util.ArrayList<>();
    for (String v : values) {
      try {
        double d = Double.parseDouble(v);
        if (!(d >= 0) || d > 1e6) {
          throw new NumberFormatException();
        }
        out.add(d);
      } catch (NumberFormatException e) {
        throw b.error("ngram-reg-params", "has '" + v + "', not a strength in [0, 1e6]");
      }
    }
    return java.util.List.copyOf(out);
  }

  /** The optimiser of a run of {@code steps}. */
  public OptimizerSettings optimizerFor(int steps) {
    return decayOverRun ? optimizer.decayingOver(steps) : optimizer;
  }

  /** Optimiser steps for {@code pairs} training pairs on {@code workers} workers: max-steps, else epochs' worth. */
  public int stepsFor(long pairs) {
    if (maxSteps > 0) {
      return maxSteps;
    }
    long perStep = (long) batchSize * optimizer.gradAccumSteps() * Math.max(1, workers);
    return (int) Math.max(1, Math.ceil(epochs * pairs / perStep));
  }
}
