package io.llmforge.trainer.engine;

import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * GPT-2's tanh GELU, {@code 0.5 x (1 + tanh(k (x + a x^3)))} with {@code k = sqrt(2/pi)}, {@code a = 0.044715},
 * written as the identical {@code x * sigmoid(z)}, {@code z = 2k (x + a x^3)}: forward keeps {@code s = sigmoid(z)}
 * so backward needs no transcendental function:
 * {@code dgelu/dx = s + x s (1 - s) 2k (1 + 3a x^2)}. (ND4J's PreciseGELU is not this function, see the trainer
 * README.) The element-wise work runs as ND4J ops, or, where {@link CpuKernels} is on, as one vectorised Java loop
 * each way computing the tanh form directly (the kept array then holds tanh(k (x + a x^3)) instead of s).
 */
final class Gelu {
  /** This layer's activation buffers for the current batch shape. */
  private final Buffers buffers = new Buffers();
  static final double K2 = 2 * Math.sqrt(2 / Math.PI);
  static final double A = 0.044715;

  private final boolean cpu;
  private INDArray t; // [N, 4C] scratch
  private INDArray r; // [N, 4C] scratch

  Gelu(boolean cpuKernels) {
    this.cpu = cpuKernels;
  }

  /** Buffers for {@code n} rows; the previous shape's are freed. */
  void resize(int n, int width, DataType dt) {
    buffers.release();
    if (!cpu) {
      t = buffers.create(dt, n, width);
      r = buffers.create(dt, n, width);
    }
  }

  /** g = gelu(h); s = sigmoid(z(h)) kept for backward. */
  void forward(INDArray h, INDArray s, INDArray g) {
    if (cpu) {
      CpuKernels.geluForward(h, s, g);
      return;
    }
    Ops.mul(h, h, t);
    Ops.mul(t, h, t);
    Ops.scale(t, A, t);
    Ops.add(t, h, t);
    Ops.scale(t, K2, t);   // z
    Ops.sigmoid(t, s);
    Ops.mul(h, s, g);
  }

  /** dh = dg * gelu'(h), in place on dg. */
  void backward(INDArray h, INDArray s, INDArray dg) {
    if (cpu) {
      CpuKernels.geluBackward(h, s, dg);
      return;
    }
    Ops.mul(h, h, t);
    Ops.scale(t, 3 * A, t);
    Ops.addScalar(t, 1, t);
    Ops.scale(t, K2, t);   // dz/dx
    Ops.mul(t, h, t);
    Ops.mul(t, s, t);
    Ops.rsub(s, 1, r);     // 1 - s
    Ops.mul(t, r, t);
    Ops.add(t, s, t);      // gelu'(h)
    Ops.mul(dg, t, dg);
  }
}
