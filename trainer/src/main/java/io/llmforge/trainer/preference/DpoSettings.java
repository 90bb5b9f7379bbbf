package io.llmforge.trainer.preference;

import io.llmforge.pipeline.config.ConfigReader;
import io.llmforge.trainer.engine.LoraSettings;
import io.llmforge.trainer.optim.OptimizerSettings;
import java.io.Serializable;

/**
 * The {@code dpo} job's settings ({@code dpo.*}, conf/dpo.conf), validated before any work. Serializable:
 * data-parallel training ships them to every executor.
 *
 * @param data           a pref-prepare output rendered for {@code base}
 * @param base           the SFT model: the policy starts from it and it is the frozen reference
 * @param beta           the leash: the implicit reward is beta x log(pi / ref)
 * @param labelSmoothing eps of conservative DPO (0: plain DPO)
 * @param sftWeight      weight of an extra next-token loss on the chosen answers (0: off)
 */
public record DpoSettings(
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
    double labelSmoothing,
    DpoLoss.Type lossType,
    double sftWeight,
    int evalInterval,
    int checkpointInterval,
    int keepLast,
    int logInterval,
    double peakTflops,
    int workers,
    int exchangeTimeoutSeconds) implements Serializable {

  public static DpoSettings from(ConfigReader root) {
    ConfigReader c = root.at("dpo");
    DpoLoss.Type type = c.enumValue("loss-type", DpoLoss.Type.class);
    double smoothing = c.doubleIn("label-smoothing", 0, 0.49);
    if (type == DpoLoss.Type.IPO && smoothing > 0) {
      throw c.error("label-smoothing", "applies to loss-type = sigmoid only (it is " + smoothing + " with ipo)");
    }
    return new DpoSettings(
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
        smoothing,
        type,
        c.doubleIn("sft-weight", 0, 1e3),
        c.intIn("eval-interval", 1, Integer.MAX_VALUE),
        c.intIn("checkpoint-interval", 1, Integer.MAX_VALUE),
        c.intIn("keep-last", 1, 1000),
        c.intIn("log-interval", 1, Integer.MAX_VALUE),
        c.doubleIn("peak-tflops", 0, 1e6),
        c.at("distributed").intIn("workers", 0, 4096),
        c.at("distributed").intIn("exchange-timeout-seconds", 1, 7 * 24 * 3600));
  }

  /** Optimiser steps for {@code pairs} training pairs: max-steps, else epochs' worth. */
  public int steps(long pairs) {
    if (maxSteps > 0) {
      return maxSteps;
    }
    long perStep = (long) batchSize * optimizer.gradAccumSteps() * Math.max(1, workers);
    return (int) Math.max(1, Math.ceil(epochs * pairs / perStep));
  }

  public OptimizerSettings optimizerFor(int steps) {
    return decayOverRun ? optimizer.decayingOver(steps) : optimizer;
  }
}
