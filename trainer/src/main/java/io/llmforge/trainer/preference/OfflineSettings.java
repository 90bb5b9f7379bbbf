package io.llmforge.trainer.preference;

import io.llmforge.pipeline.config.ConfigReader;
import io.llmforge.trainer.engine.LoraSettings;
import io.llmforge.trainer.optim.OptimizerSettings;
import java.io.Serializable;

/**
 * The keys every offline preference trainer reads ({@code dpo.*}, {@code kto.*}): data, model, loop, optimiser,
 * LoRA, the leash and the run's housekeeping. Each algorithm's own settings wrap this record with its few loss keys.
 *
 * @param data a pref-prepare output rendered for {@code base}
 * @param base the SFT model: the policy starts from it and it is the frozen reference
 * @param beta the leash: the implicit reward of an answer is beta x log(pi / ref)
 * @param validationFraction share of the training prompts kept apart (by hash) to choose the best checkpoint on, so
 *     the held-out split stays a test set nothing was tuned on; 0: none
 * @param bestMetric the validation figure that picks the best checkpoint: {@code accuracy} (higher wins) or
 *     {@code loss} (lower wins)
 */
public record OfflineSettings(
    String data,
    String base,
    String output,
    boolean overwrite,
    boolean resume,
    long seed,
    int batchSize,
    boolean groupByLength,
    double epochs,
    int maxSteps,
    OptimizerSettings optimizer,
    boolean decayOverRun,
    LoraSettings lora,
    double beta,
    double validationFraction,
    String bestMetric,
    int evalInterval,
    int checkpointInterval,
    int keepLast,
    int logInterval,
    double peakTflops,
    int workers,
    int exchangeTimeoutSeconds) implements Serializable {

  /** The shared keys of section {@code c} (e.g. {@code dpo}). */
  public static OfflineSettings from(ConfigReader c) {
    return new OfflineSettings(
        c.requiredString("data"),
        c.requiredString("base"),
        c.requiredString("output"),
        c.bool("overwrite"),
        c.bool("resume"),
        c.longIn("seed", Long.MIN_VALUE, Long.MAX_VALUE),
        c.intIn("batch-size", 1, 1 << 20),
        c.bool("group-by-length"),
        c.doubleIn("epochs", 0.01, 1000),
        c.intIn("max-steps", 0, Integer.MAX_VALUE),
        OptimizerSettings.from(c.at("optimizer"), c.intIn("grad-accum-steps", 1, 1 << 20), true),
        c.at("optimizer").intIn("decay-steps", 0, Integer.MAX_VALUE) == 0,
        LoraSettings.from(c.at("lora")),
        c.doubleIn("beta", 1e-6, 1e6),
        c.doubleIn("validation-fraction", 0, 0.9),
        bestMetric(c),
        c.intIn("eval-interval", 1, Integer.MAX_VALUE),
        c.intIn("checkpoint-interval", 1, Integer.MAX_VALUE),
        c.intIn("keep-last", 1, 1000),
        c.intIn("log-interval", 1, Integer.MAX_VALUE),
        c.doubleIn("peak-tflops", 0, 1e6),
        c.at("distributed").intIn("workers", 0, 4096),
        c.at("distributed").intIn("exchange-timeout-seconds", 1, 7 * 24 * 3600));
  }

  private static String bestMetric(ConfigReader c) {
    String metric = c.string("best-metric");
    if (!metric.equals("accuracy") && !metric.equals("loss")) {
      throw c.error("best-metric", "is '" + metric + "', must be accuracy or loss");
    }
    return metric;
  }

  /** Whether validation figure {@code value} beats {@code best} (NaN: nothing yet). */
  public boolean better(double value, double best) {
    return Double.isNaN(best) || (bestMetric.equals("loss") ? value < best : value > best);
  }

  /** Optimiser steps for {@code examples} training examples (pairs for DPO): max-steps, else epochs' worth. */
  public int steps(long examples) {
    if (maxSteps > 0) {
      return maxSteps;
    }
    long perStep = (long) batchSize * optimizer.gradAccumSteps() * Math.max(1, workers);
    return (int) Math.max(1, Math.ceil(epochs * examples / perStep));
  }

  public OptimizerSettings optimizerFor(int steps) {
    return decayOverRun ? optimizer.decayingOver(steps) : optimizer;
  }
}
