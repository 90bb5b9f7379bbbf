package io.llmforge.trainer.optim;

import io.llmforge.pipeline.config.ConfigReader;
import io.llmforge.trainer.loop.Trainer;

import java.io.Serializable;

/**
 * How {@link Trainer} optimises: AdamW, linear warmup then cosine decay of the learning rate, global-norm gradient
 * clipping and gradient accumulation. Names and defaults follow nanoGPT's {@code train.py}.
 *
 * @param learningRate    peak learning rate, reached at the end of warmup
 * @param minLearningRate floor of the cosine decay, held after {@code decaySteps}
 * @param warmupSteps     optimiser steps of linear warmup
 * @param decaySteps      optimiser step at which the cosine reaches {@code minLearningRate}
 * @param beta1           AdamW first-moment decay
 * @param beta2           AdamW second-moment decay
 * @param epsilon         AdamW denominator guard
 * @param weightDecay     decoupled weight decay, applied to matrices only and embeddings, not to biases and gains
 * @param gradClip        maximum global L2 norm of the gradient; 0 disables clipping
 * @param gradAccumSteps  micro-batches whose gradients are averaged into one optimiser step
 */
public record OptimizerSettings(
    double learningRate,
    double minLearningRate,
    int warmupSteps,
    int decaySteps,
    double beta1,
    double beta2,
    double epsilon,
    double weightDecay,
    double gradClip,
    int gradAccumSteps) implements Serializable {

  public OptimizerSettings {
    require(learningRate > 0, "learningRate must be > 0");
    require(minLearningRate >= 0 && minLearningRate <= learningRate, "minLearningRate must be in [0, learningRate]");
    require(warmupSteps >= 0, "warmupSteps must be >= 0");
    require(decaySteps >= warmupSteps, "decaySteps must be >= warmupSteps");
    require(beta1 >= 0 && beta1 < 1, "beta1 must be in [0, 1)");
    require(beta2 >= 0 && beta2 < 1, "beta2 must be in [0, 1)");
    require(epsilon > 0, "epsilon must be > 0");
    require(weightDecay >= 0, "weightDecay must be >= 0");
    require(gradClip >= 0, "gradClip must be >= 0 (0 disables)");
    require(gradAccumSteps >= 1, "gradAccumSteps must be >= 1");
  }

  /**
   * Reads an {@code optimizer} section (learning-rate, min-learning-rate, warmup-steps, decay-steps, beta1, beta2,
   * epsilon, weight-decay, grad-clip), failing with the key and file on a bad value.
   */
  public static OptimizerSettings from(ConfigReader o, int gradAccumSteps) {
    return from(o, gradAccumSteps, false);
  }

  /**
   * As {@link #from(ConfigReader, int)}; with {@code runLengthDecay}, {@code decay-steps = 0} is allowed and means
   * "over the run" (a trainer whose length follows from its data then calls {@link #decayingOver}).
   */
  public static OptimizerSettings from(ConfigReader o, int gradAccumSteps, boolean runLengthDecay) {
    int warmup = o.intIn("warmup-steps", 0, Integer.MAX_VALUE);
    int decay = o.intIn("decay-steps", 0, Integer.MAX_VALUE);
    if (decay == 0 && runLengthDecay) {
      decay = warmup;
    }
    if (decay < warmup) {
      throw o.error("decay-steps", "(" + decay + ") must be >= warmup-steps (" + warmup + ")");
    }
    double lr = o.doubleIn("learning-rate", 1e-12, 10);
    return new OptimizerSettings(lr, o.doubleIn("min-learning-rate", 0, lr), warmup, decay,
        o.doubleIn("beta1", 0, 0.999999), o.doubleIn("beta2", 0, 0.999999), o.doubleIn("epsilon", 1e-30, 1),
        o.doubleIn("weight-decay", 0, 10), o.doubleIn("grad-clip", 0, 1e9), gradAccumSteps);
  }

  /** nanoGPT's tinyshakespeare CPU run: lr 1e-3 decaying to 1e-4 over 2000 steps, beta2 0.99, clip 1.0. */
  public static OptimizerSettings nanoGptShakespeare() {
    return new OptimizerSettings(1e-3, 1e-4, 100, 2000, 0.9, 0.99, 1e-8, 0.1, 1.0, 1);
  }

  /** The same settings with the cosine reaching its floor at {@code steps} (warmup capped at it): a run's length. */
  public OptimizerSettings decayingOver(int steps) {
    int warmup = Math.min(warmupSteps, steps);
    return new OptimizerSettings(learningRate, minLearningRate, warmup, Math.max(warmup, steps), beta1, beta2, epsilon,
        weightDecay, gradClip, gradAccumSteps);
  }

  /** The learning rate schedule these settings describe. */
  public LrSchedule schedule() {
    return new LrSchedule(learningRate, minLearningRate, warmupSteps, decaySteps);
  }

  private static void require(boolean ok, String message) {
    if (!ok) {
      throw new IllegalArgumentException(message);
    }
  }
}
