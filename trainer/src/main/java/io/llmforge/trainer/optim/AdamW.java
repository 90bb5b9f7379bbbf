package io.llmforge.trainer.optim;

import io.llmforge.trainer.engine.Parameters;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.api.ops.impl.transforms.floating.Sqrt;

/**
 * AdamW (Loshchilov and Hutter) with PyTorch's arithmetic, on the flat buffers of {@link Parameters}: decoupled
 * weight decay {@code p *= 1 - lr * wd} on the decayed prefix (matrices), then the bias-corrected Adam step
 * {@code p -= lr / (1 - beta1^t) * m / (sqrt(v) / sqrt(1 - beta2^t) + eps)} on every trainable scalar at once.
 * The moments are flat too, aligned with the gradients; checkpoints store them per tensor by name.
 */
public final class AdamW {
  private final double beta1;
  private final double beta2;
  private final double epsilon;
  private final double weightDecay;
  private final INDArray m;
  private final INDArray v;
  private final INDArray tmp;
  private final boolean cpuKernel;
  private long steps;

  public AdamW(OptimizerSettings s, Parameters parameters) {
    this.beta1 = s.beta1();
    this.beta2 = s.beta2();
    this.epsilon = s.epsilon();
    this.weightDecay = s.weightDecay();
    long n = Math.max(1, parameters.trainableCount());
    DataType dt = parameters.dataType();
    this.m = Nd4j.zeros(dt, n);
    this.v = Nd4j.zeros(dt, n);
    this.tmp = Nd4j.zeros(dt, n);
    this.cpuKernel = FusedAdamW.available(dt);
  }

  /** Optimiser steps taken so far (t in the bias corrections is this + 1 during the next step). */
  public long steps() {
    return steps;
  }

  /** One step: updates the trainable values of {@code p} in place from its gradients. */
  public void step(Parameters p, double learningRate) {
    if (p.trainableCount() == 0) {
      steps++;
      return;
    }
    steps++;
    double c1 = 1 - Math.pow(beta1, steps);
    double c2 = 1 - Math.pow(beta2, steps);
    if (weightDecay > 0 && p.decayedCount() > 0) {
      p.decayedValues().muli(1 - learningRate * weightDecay);
    }
    INDArray values = p.trainableValues();
    INDArray g = p.gradients();
    if (cpuKernel) {
      FusedAdamW.step(values, g, m, v, beta1, beta2, epsilon, learningRate / c1, 1 / Math.sqrt(c2));
      return;
    }
    m.muli(beta1);
    Nd4j.getBlasWrapper().level1().axpy(g.length(), 1 - beta1, g, m);   // m += (1 - b1) g
    tmp.assign(g).muli(g);
    v.muli(beta2);
    Nd4j.getBlasWrapper().level1().axpy(g.length(), 1 - beta2, tmp, v); // v += (1 - b2) g^2
    Nd4j.exec(new Sqrt(v, tmp));
    tmp.muli(1 / Math.sqrt(c2)).addi(epsilon);
    tmp.rdivi(m);                                                       // m / (sqrt(v_hat) + eps)
    values.subi(tmp.muli(learningRate / c1));
  }

  /** First moment (m), flat, aligned with {@link Parameters#gradients()}. Live: for checkpoints. */
  public INDArray firstMoment() {
    return m;
  }

  /** Second moment (v), flat. Live: for checkpoints. */
  public INDArray secondMoment() {
    return v;
  }

  /** Restores a saved state (the moments are copied into this optimiser's buffers). */
  public void restore(long steps, INDArray first, INDArray second) {
    this.steps = steps;
    m.assign(first.reshape(m.shape()));
    v.assign(second.reshape(v.shape()));
  }
}
