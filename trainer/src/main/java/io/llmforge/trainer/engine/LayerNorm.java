package io.llmforge.trainer.engine;

import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * LayerNorm over the last dimension of {@code x [N, C]}, PyTorch's epsilon 1e-5:
 * {@code y = (x - mean) * rstd * w + b}. Forward keeps {@code xhat} and {@code rstd}; backward is llm.c's
 * {@code layernorm_backward}: {@code dx = rstd * (dxhat - mean(dxhat) - xhat * mean(dxhat * xhat))} with
 * {@code dxhat = dy * w}.
 */
final class LayerNorm {
  /** This layer's activation buffers for the current batch shape. */
  private final Buffers buffers = new Buffers();
  static final double EPS = 1e-5;
  private final INDArray w;
  private final INDArray b;
  private final INDArray dw;
  private final INDArray db;
  private INDArray xhat;   // [N, C]
  private INDArray rstd;   // [N]
  private INDArray rowStat; // [N] scratch
  private INDArray tmp;    // [N, C]
  private INDArray dxhat;  // [N, C]
  private INDArray ones;   // [1, N]
  private final boolean cpu;

  LayerNorm(Parameters p, String name) {
    this.cpu = CpuKernels.available(p.dataType());
    this.w = p.value(name + ".weight");
    this.b = p.value(name + ".bias");
    this.dw = p.gradient(name + ".weight");
    this.db = p.gradient(name + ".bias");
  }

  /** Buffers for {@code n} rows; the previous shape's are freed. */
  void resize(int n, DataType dt) {
    int c = (int) w.length();
    buffers.release();
    xhat = buffers.create(dt, n, c);
    rstd = buffers.create(dt, n);
    rowStat = buffers.create(dt, n);
    tmp = buffers.create(dt, n, c);
    dxhat = buffers.create(dt, n, c);
    ones = buffers.ones(dt, 1, n);
  }

  void forward(INDArray x, INDArray y) {
    if (cpu) {
      CpuKernels.layerNormForward(x, w, b, xhat, rstd, y, EPS);
      return;
    }
    Ops.meanRows(x, rowStat);                 // mean          [N]
    Ops.subColumn(x, rowStat, xhat);          // x - mean      [N, C]
    Ops.mul(xhat, xhat, tmp);
    Ops.meanRows(tmp, rstd);                  // variance (biased, as PyTorch)
    Ops.addScalar(rstd, EPS, rstd);
    Ops.rsqrt(rstd, rstd);                    // 1 / sqrt(var + eps)
    Ops.mulColumn(xhat, rstd, xhat);          // xhat
    Ops.mulRow(xhat, w, y);
    Ops.addRow(y, b, y);
  }

  /** Adds dL/dx to {@code dx} (the residual stream's gradient) and accumulates dw, db. */
  void backward(INDArray dy, INDArray dx) {
    if (cpu) {
      CpuKernels.layerNormBackward(dy, xhat, rstd, w, dw, db, dx);
      return;
    }
    if (dw != null) {
      Ops.mul(dy, xhat, tmp);
      Ops.gemm(ones, false, tmp, false, dw.reshape(1, dw.length()), 1, 1); // dw += sum(dy * xhat)
    }
    if (db != null) {
      Ops.gemm(ones, false, dy, false, db.reshape(1, db.length()), 1, 1);  // db += sum(dy)
    }
    Ops.mulRow(dy, w, dxhat);                 // dxhat = dy * w
    Ops.meanRows(dxhat, rowStat);
    Ops.subColumn(dxhat, rowStat, tmp);       // dxhat - mean(dxhat)
    Ops.mul(dxhat, xhat, dxhat);
    Ops.meanRows(dxhat, rowStat);             // mean(dxhat * xhat)
    Ops.mulColumn(xhat, rowStat, dxhat);      // xhat * mean(dxhat * xhat)
    Ops.sub(tmp, dxhat, tmp);
    Ops.mulColumn(tmp, rstd, tmp);
    Ops.add(dx, tmp, dx);
  }
}
