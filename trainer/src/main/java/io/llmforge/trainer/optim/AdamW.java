package io.llmforge.trainer.optim;

import java.util.HashMap;
import java.util.Map;
import java.util.function.Predicate;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.ops.transforms.Transforms;

/**
 * AdamW (Loshchilov and Hutter) with PyTorch's arithmetic: decoupled weight decay {@code p *= 1 - lr * wd}, then
 * the bias-corrected Adam step {@code p -= lr / (1 - beta1^t) * m / (sqrt(v) / sqrt(1 - beta2^t) + eps)}.
 * Holds the moment estimates per parameter name and the step count: all of it goes into a checkpoint.
 */
public final class AdamW {
  private final double beta1;
  private final double beta2;
  private final double epsilon;
  private final double weightDecay;
  private final Map<String, INDArray> firstMoments = new HashMap<>();
  private final Map<String, INDArray> secondMoments = new HashMap<>();
  private long steps;

  public AdamW(double beta1, double beta2, double epsilon, double weightDecay) {
    this.beta1 = beta1;
    this.beta2 = beta2;
    this.epsilon = epsilon;
    this.weightDecay = weightDecay;
  }

  public AdamW(OptimizerSettings settings) {
    this(settings.beta1(), settings.beta2(), settings.epsilon(), settings.weightDecay());
  }

  /** Optimiser steps taken so far (t in the bias corrections is this + 1 during the next step). */
  public long steps() {
    return steps;
  }

  /**
   * One step over all parameters: updates each {@code parameters} array in place from the gradient of the same
   * name. {@code decays} names the parameters that get weight decay.
   */
  public void step(Map<String, INDArray> parameters, Map<String, INDArray> gradients,
      Predicate<String> decays, double learningRate) {
    steps++;
    double correction1 = 1 - Math.pow(beta1, steps);
    double correction2 = 1 - Math.pow(beta2, steps);
    for (Map.Entry<String, INDArray> e : parameters.entrySet()) {
      String name = e.getKey();
      INDArray p = e.getValue();
      INDArray g = gradients.get(name);
      if (g == null) {
        throw new IllegalArgumentException("no gradient for parameter " + name);
      }
      INDArray m = firstMoments.computeIfAbsent(name, k -> p.ulike().assign(0));
      INDArray v = secondMoments.computeIfAbsent(name, k -> p.ulike().assign(0));
      if (decays.test(name) && weightDecay > 0) {
        p.muli(1 - learningRate * weightDecay);
      }
      // Temporaries are closed at once: their memory is off-heap, and waiting for the garbage collector to free
      // it let a 2000-step run grow by gigabytes.
      try (INDArray scaled = g.mul(1 - beta1)) {
        m.muli(beta1).addi(scaled);
      }
      try (INDArray squared = g.mul(g)) {
        v.muli(beta2).addi(squared.muli(1 - beta2));
      }
      try (INDArray denominator = Transforms.sqrt(v, true)) {
        denominator.divi(Math.sqrt(correction2)).addi(epsilon);
        try (INDArray update = m.div(denominator)) {
          p.subi(update.muli(learningRate / correction1));
        }
      }
    }
  }

  /** First moment (m) of a parameter, or null before its first step. Live array: for checkpoints. */
  public INDArray firstMoment(String name) {
    return firstMoments.get(name);
  }

  /** Second moment (v) of a parameter, or null before its first step. Live array: for checkpoints. */
  public INDArray secondMoment(String name) {
    return secondMoments.get(name);
  }

  /** Restores the state saved from {@link #steps}, {@link #firstMoment} and {@link #secondMoment}. */
  public void restore(long steps, Map<String, INDArray> first, Map<String, INDArray> second) {
    this.steps = steps;
    firstMoments.clear();
    secondMoments.clear();
    first.forEach((k, a) -> firstMoments.put(k, a.dup()));
    second.forEach((k, a) -> secondMoments.put(k, a.dup()));
  }
}
