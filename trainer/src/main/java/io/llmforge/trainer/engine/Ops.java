package io.llmforge.trainer.engine;

import org.nd4j.linalg.api.blas.params.MMulTranspose;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.DynamicCustomOp;
import org.nd4j.linalg.api.ops.impl.broadcast.BroadcastAddOp;
import org.nd4j.linalg.api.ops.impl.broadcast.BroadcastMulOp;
import org.nd4j.linalg.api.ops.impl.broadcast.BroadcastSubOp;
import org.nd4j.linalg.api.ops.impl.reduce.Mmul;
import org.nd4j.linalg.api.ops.impl.reduce.floating.Mean;
import org.nd4j.linalg.api.ops.impl.reduce.same.Sum;
import org.nd4j.linalg.api.ops.impl.scalar.ScalarAdd;
import org.nd4j.linalg.api.ops.impl.scalar.ScalarMultiplication;
import org.nd4j.linalg.api.ops.impl.scalar.ScalarReverseSubtraction;
import org.nd4j.linalg.api.ops.impl.transforms.custom.LogSoftMax;
import org.nd4j.linalg.api.ops.impl.transforms.custom.SoftMax;
import org.nd4j.linalg.api.ops.impl.transforms.floating.RSqrt;
import org.nd4j.linalg.api.ops.impl.transforms.pairwise.arithmetic.AddOp;
import org.nd4j.linalg.api.ops.impl.transforms.pairwise.arithmetic.MulOp;
import org.nd4j.linalg.api.ops.impl.transforms.pairwise.arithmetic.SubOp;
import org.nd4j.linalg.api.ops.impl.transforms.strict.Exp;
import org.nd4j.linalg.api.ops.impl.transforms.strict.Sigmoid;
import org.nd4j.linalg.factory.Nd4j;

/**
 * The engine's vocabulary: every ND4J operation it uses, each writing into an output array the caller allocated once
 * (no op here allocates), named like the maths. All are ops that nd4j-native and nd4j-cuda both implement; CPU-only
 * shortcuts live in {@link CpuKernels}.
 */
final class Ops {
  private Ops() {}

  /** c = alpha * op(a) op(b) + beta * c, 2-D (BLAS gemm). beta = 1 accumulates (gradients). */
  static void gemm(INDArray a, boolean transA, INDArray b, boolean transB, INDArray c, double alpha, double beta) {
    long start = EngineProfile.enabled() ? System.nanoTime() : 0;
    Nd4j.gemm(a, b, c, transA, transB, alpha, beta);
    if (start != 0) {
      EngineProfile.record(System.nanoTime() - start);
    }
  }

  /** Batched matrix product over the leading dimensions: c[i] = alpha * op(a[i]) op(b[i]). */
  static void bmm(INDArray a, boolean transA, INDArray b, boolean transB, INDArray c, double alpha) {
    long start = EngineProfile.enabled() ? System.nanoTime() : 0;
    Nd4j.exec(new Mmul(a, b, c, alpha, 0.0, MMulTranspose.builder().transposeA(transA).transposeB(transB).build()));
    if (start != 0) {
      EngineProfile.record(System.nanoTime() - start);
    }
  }

  /** out = a * b, element-wise, same shapes. */
  static void mul(INDArray a, INDArray b, INDArray out) {
    Nd4j.exec(new MulOp(a, b, out));
  }

  /** out = a + b, element-wise, same shapes. */
  static void add(INDArray a, INDArray b, INDArray out) {
    Nd4j.exec(new AddOp(a, b, out));
  }

  /** out = a - b, element-wise, same shapes. */
  static void sub(INDArray a, INDArray b, INDArray out) {
    Nd4j.exec(new SubOp(a, b, out));
  }

  /** out = a * s. */
  static void scale(INDArray a, double s, INDArray out) {
    Nd4j.exec(new ScalarMultiplication(a, null, out, s));
  }

  /** out = a + s. */
  static void addScalar(INDArray a, double s, INDArray out) {
    Nd4j.exec(new ScalarAdd(a, null, out, s));
  }

  /** out = s - a. */
  static void rsub(INDArray a, double s, INDArray out) {
    Nd4j.exec(new ScalarReverseSubtraction(a, out, s));
  }

  /** out[..., j] = x[..., j] + v[j]: a vector broadcast along the last dimension of a 2-D x. */
  static void addRow(INDArray x, INDArray row, INDArray out) {
    Nd4j.exec(new BroadcastAddOp(x, row, out, 1));
  }

  /** out[i, j] = x[i, j] * v[j]. */
  static void mulRow(INDArray x, INDArray row, INDArray out) {
    Nd4j.exec(new BroadcastMulOp(x, row, out, 1));
  }

  /** out[i, j] = x[i, j] * v[i]. */
  static void mulColumn(INDArray x, INDArray column, INDArray out) {
    Nd4j.exec(new BroadcastMulOp(x, column, out, 0));
  }

  /** out[i, j] = x[i, j] - v[i]. */
  static void subColumn(INDArray x, INDArray column, INDArray out) {
    Nd4j.exec(new BroadcastSubOp(x, column, out, 0));
  }

  /** out = x + y with y broadcast over the given dimensions of x (y's shape = x's shape at those dimensions). */
  static void addBroadcast(INDArray x, INDArray y, INDArray out, int... dimensions) {
    Nd4j.exec(new BroadcastAddOp(x, y, out, dimensions));
  }

  /** out = x - y with y broadcast over the given dimensions of x. */
  static void subBroadcast(INDArray x, INDArray y, INDArray out, int... dimensions) {
    Nd4j.exec(new BroadcastSubOp(x, y, out, dimensions));
  }

  /** out[i] = mean over j of x[i, j] (2-D x, out of length rows). */
  static void meanRows(INDArray x, INDArray out) {
    Nd4j.exec(new Mean(x, out, 1));
  }

  /** out = sum of x over its last dimension. */
  static void sumLast(INDArray x, INDArray out) {
    Nd4j.exec(new Sum(x, out, x.rank() - 1));
  }

  /** out = 1 / sqrt(x). */
  static void rsqrt(INDArray x, INDArray out) {
    Nd4j.exec(new RSqrt(x, out));
  }

  static void sigmoid(INDArray x, INDArray out) {
    Nd4j.exec(new Sigmoid(x, out));
  }

  static void exp(INDArray x, INDArray out) {
    Nd4j.exec(new Exp(x, out));
  }

  /** Softmax over the last dimension. */
  static void softmax(INDArray x, INDArray out) {
    Nd4j.exec(new SoftMax(x, out, x.rank() - 1));
  }

  /** Log-softmax over the last dimension of a 2-D x. */
  static void logSoftmax(INDArray x, INDArray out) {
    Nd4j.exec(new LogSoftMax(x, out)); // libnd4j default: the last dimension
  }

  /**
   * target[indices[i]] += updates[i] for every row i, in place; locked (one thread), so repeated indices are summed,
   * never raced (the embedding backward's scatter-add).
   */
  static void scatterAddRows(INDArray target, INDArray indices, INDArray updates) {
    Nd4j.exec(DynamicCustomOp.builder("scatter_add").addInputs(target, indices, updates).addOutputs(target)
        .addBooleanArguments(true).build());
  }
}
