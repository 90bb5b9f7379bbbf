package io.llmforge.trainer.engine;

import java.nio.FloatBuffer;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * CPU-only shortcuts for element-wise chains that ND4J would run as many separate passes (each with its own JNI
 * call and memory sweep): the data is copied into a Java array in one bulk read, transformed in one loop that the JIT
 * vectorises, and written back in one bulk write. Only for float arrays in host memory (the CPU backend); the
 * engine uses them when {@link #available} and otherwise the portable {@link Ops} compositions (GptEngineTest checks
 * that both give the same gradients). Each kernel splits its rows or elements over {@link CpuThreads}, the same
 * number of threads OpenMP uses for the ND4J ops around it.
 */
final class CpuKernels {
  private static final ThreadLocal<float[][]> SCRATCH = ThreadLocal.withInitial(() -> new float[5][0]);

  private CpuKernels() {}

  /** Whether the shortcuts may be used for arrays of this type (CPU backend, float, not disabled). */
  static boolean available(DataType dt) {
    return Backend.isCpu() && dt == DataType.FLOAT && !Boolean.getBoolean("llmforge.engine.portable");
  }

  private static float[] scratch(int slot, int n) {
    float[][] s = SCRATCH.get();
    if (s[slot].length < n) {
      s[slot] = new float[n];
    }
    return s[slot];
  }


  // tanh(u) = u P(u^2) / Q(u^2): the 12th convergent of Lambert's continued fraction
  // u / (1 + u^2 / (3 + u^2 / (5 + ...))), integer coefficients divided by the constant term 7905853580625.
  // In float, |error| < 4e-7 on [-9, 9] (tanh(9) = 1 - 3e-8, so the clamp costs nothing); only multiplies, adds, one
  // divide and min/max, which the JIT vectorises, unlike Math.tanh or Math.exp.
  private static final float N1 = (float) (1159525191825.0 / 7905853580625.0);
  private static final float N2 = (float) (41247931725.0 / 7905853580625.0);
  private static final float N3 = (float) (523783260.0 / 7905853580625.0);
  private static final float N4 = (float) (2552550.0 / 7905853580625.0);
  private static final float N5 = (float) (4095.0 / 7905853580625.0);
  private static final float N6 = (float) (1.0 / 7905853580625.0);
  private static final float D1 = (float) (3794809718700.0 / 7905853580625.0);
  private static final float D2 = (float) (252070693875.0 / 7905853580625.0);
  private static final float D3 = (float) (5237832600.0 / 7905853580625.0);
  private static final float D4 = (float) (41351310.0 / 7905853580625.0);
  private static final float D5 = (float) (120120.0 / 7905853580625.0);
  private static final float D6 = (float) (91.0 / 7905853580625.0);

  /** tanh by the rational form above (the scalar version of {@link #tanhInPlace}, for tests). */
  static float tanh(float u) {
    float[] one = {u};
    tanhInPlace(one, 1);
    return one[0];
  }

  /**
   * t[i] = tanh(t[i]). Two loops on purpose: with the clamp in the same loop as the division, C2 (JDK 17) does not
   * vectorise it, and the fused loop runs about 6x slower (measured 2.9 ms against 0.5 ms on 393k floats).
   */
  static void tanhInPlace(float[] t, int n) {
    for (int i = 0; i < n; i++) {
      t[i] = Math.max(-9f, Math.min(9f, t[i]));
    }
    for (int i = 0; i < n; i++) {
      float x = t[i];
      float y = x * x;
      float num = x * (1f + y * (N1 + y * (N2 + y * (N3 + y * (N4 + y * (N5 + y * N6))))));
      float den = 1f + y * (D1 + y * (D2 + y * (D3 + y * (D4 + y * (D5 + y * D6)))));
      t[i] = num / den;
    }
  }

  /** g = 0.5 h (1 + tanh(k (h + a h^3))); {@code th} keeps the tanh for backward. */
  static void geluForward(INDArray h, INDArray th, INDArray g) {
    final float k = (float) (Gelu.K2 / 2);
    final float a = (float) Gelu.A;
    CpuThreads.forRanges((int) h.length(), 1 << 14, (index, from, to) -> {
      int n = to - from;
      float[] x = scratch(0, n);
      float[] t = scratch(1, n);
      float[] out = scratch(2, n);
      Backend.hostFloats(h).get(from, x, 0, n);
      for (int i = 0; i < n; i++) {
        float v = x[i];
        t[i] = k * (v + a * v * v * v);
      }
      tanhInPlace(t, n);
      for (int i = 0; i < n; i++) {
        out[i] = 0.5f * x[i] * (1f + t[i]);
      }
      Backend.hostFloats(th).put(from, t, 0, n);
      Backend.hostFloats(g).put(from, out, 0, n);
    });
  }

  /** dg *= 0.5 (1 + t) + 0.5 h (1 - t^2) k (1 + 3a h^2), t the tanh kept by forward. */
  static void geluBackward(INDArray h, INDArray th, INDArray dg) {
    final float k = (float) (Gelu.K2 / 2);
    final float a3 = (float) (3 * Gelu.A);
    CpuThreads.forRanges((int) h.length(), 1 << 14, (index, from, to) -> {
      int n = to - from;
      float[] x = scratch(0, n);
      float[] t = scratch(1, n);
      float[] d = scratch(2, n);
      Backend.hostFloats(h).get(from, x, 0, n);
      Backend.hostFloats(th).get(from, t, 0, n);
      Backend.hostFloats(dg).get(from, d, 0, n);
      for (int i = 0; i < n; i++) {
        float v = x[i];
        float ti = t[i];
        d[i] *= 0.5f * (1f + ti) + 0.5f * v * (1f - ti * ti) * k * (1f + a3 * v * v);
      }
      Backend.hostFloats(dg).put(from, d, 0, n);
    });
  }

  /**
   * out[r] = sum of row r of a [rows, c]. Four rows at a time with two partial sums each: eight independent addition
   * chains, because C2 (JDK 17) does not vectorise float reductions and one chain per row is latency-bound.
   */
  static void rowSums(float[] a, int rows, int c, float[] out) {
    int r = 0;
    for (; r + 3 < rows; r += 4) {
      int o0 = r * c;
      int o1 = o0 + c;
      int o2 = o1 + c;
      int o3 = o2 + c;
      float s0 = 0;
      float s1 = 0;
      float s2 = 0;
      float s3 = 0;
      float t0 = 0;
      float t1 = 0;
      float t2 = 0;
      float t3 = 0;
      int j = 0;
      for (; j + 1 < c; j += 2) {
        s0 += a[o0 + j];
        s1 += a[o1 + j];
        s2 += a[o2 + j];
        s3 += a[o3 + j];
        t0 += a[o0 + j + 1];
        t1 += a[o1 + j + 1];
        t2 += a[o2 + j + 1];
        t3 += a[o3 + j + 1];
      }
      if (j < c) {
        s0 += a[o0 + j];
        s1 += a[o1 + j];
        s2 += a[o2 + j];
        s3 += a[o3 + j];
      }
      out[r] = s0 + t0;
      out[r + 1] = s1 + t1;
      out[r + 2] = s2 + t2;
      out[r + 3] = s3 + t3;
    }
    for (; r < rows; r++) {
      float sum = 0;
      for (int j = 0; j < c; j++) {
        sum += a[r * c + j];
      }
      out[r] = sum;
    }
  }

  /** LayerNorm forward over rows of [N, C]: xhat and rstd kept for backward, y = xhat * w + b. */
  static void layerNormForward(INDArray xArr, INDArray wArr, INDArray bArr, INDArray xhatArr, INDArray rstdArr,
      INDArray yArr, double eps) {
    int rowsAll = (int) xArr.size(0);
    int c = (int) xArr.size(1);
    float[] w = new float[c];
    float[] b = new float[c];
    Backend.hostFloats(wArr).get(w, 0, c);
    Backend.hostFloats(bArr).get(b, 0, c);
    CpuThreads.forRanges(rowsAll, Math.max(1, (1 << 13) / c), (index, from, to) -> {
      int rows = to - from;
      int n = rows * c;
      float[] x = scratch(0, n);
      float[] sq = scratch(1, n);
      float[] y = scratch(2, n);
      float[] mean = new float[rows];
      float[] rstd = new float[rows];
      Backend.hostFloats(xArr).get(from * c, x, 0, n);
      rowSums(x, rows, c, mean);
      for (int r = 0; r < rows; r++) {
        float mu = mean[r] / c;
        int o = r * c;
        for (int j = 0; j < c; j++) {
          float d = x[o + j] - mu;
          x[o + j] = d;
          sq[o + j] = d * d;
        }
      }
      rowSums(sq, rows, c, rstd);
      for (int r = 0; r < rows; r++) {
        rstd[r] = (float) (1.0 / Math.sqrt(rstd[r] / c + eps)); // biased variance, as PyTorch
      }
      for (int r = 0; r < rows; r++) {
        float rs = rstd[r];
        int o = r * c;
        for (int j = 0; j < c; j++) {
          float xh = x[o + j] * rs;
          x[o + j] = xh;
          y[o + j] = xh * w[j] + b[j];
        }
      }
      Backend.hostFloats(xhatArr).put(from * c, x, 0, n);
      Backend.hostFloats(rstdArr).put(from, rstd, 0, rows);
      Backend.hostFloats(yArr).put(from * c, y, 0, n);
    });
  }

  /**
   * LayerNorm backward: dx += rstd (dxhat - mean(dxhat) - xhat mean(dxhat xhat)), dxhat = dy w; dw += sum(dy xhat),
   * db += sum(dy) (dw, db may be null: frozen).
   */
  static void layerNormBackward(INDArray dyArr, INDArray xhatArr, INDArray rstdArr, INDArray wArr, INDArray dwArr,
      INDArray dbArr, INDArray dxArr) {
    int rowsAll = (int) dyArr.size(0);
    int c = (int) dyArr.size(1);
    float[] w = new float[c];
    Backend.hostFloats(wArr).get(w, 0, c);
    int minRows = Math.max(1, (1 << 13) / c);
    float[][] dwParts = new float[CpuThreads.ranges(rowsAll, minRows)][c];
    float[][] dbParts = new float[dwParts.length][c];
    CpuThreads.forRanges(rowsAll, minRows, (index, from, to) -> {
      int rows = to - from;
      int n = rows * c;
      float[] dy = scratch(0, n);
      float[] xhat = scratch(1, n);
      float[] dx = scratch(2, n);
      float[] dxh = scratch(3, n);
      float[] prod = scratch(4, n);
      float[] rstd = new float[rows];
      float[] m1 = new float[rows];
      float[] m2 = new float[rows];
      float[] dw = dwParts[index];
      float[] db = dbParts[index];
      Backend.hostFloats(dyArr).get(from * c, dy, 0, n);
      Backend.hostFloats(xhatArr).get(from * c, xhat, 0, n);
      Backend.hostFloats(dxArr).get(from * c, dx, 0, n);
      Backend.hostFloats(rstdArr).get(from, rstd, 0, rows);
      for (int r = 0; r < rows; r++) {
        int o = r * c;
        for (int j = 0; j < c; j++) {
          float g = dy[o + j];
          float xh = xhat[o + j];
          float d = g * w[j];
          dxh[o + j] = d;
          prod[o + j] = d * xh;
          dw[j] += g * xh;
          db[j] += g;
        }
      }
      rowSums(dxh, rows, c, m1);
      rowSums(prod, rows, c, m2);
      for (int r = 0; r < rows; r++) {
        float a = m1[r] / c;
        float bm = m2[r] / c;
        float rs = rstd[r];
        int o = r * c;
        for (int j = 0; j < c; j++) {
          dx[o + j] += rs * (dxh[o + j] - a - xhat[o + j] * bm);
        }
      }
      Backend.hostFloats(dxArr).put(from * c, dx, 0, n);
    });
    for (int i = 1; i < dwParts.length; i++) {
      for (int j = 0; j < c; j++) {
        dwParts[0][j] += dwParts[i][j];
        dbParts[0][j] += dbParts[i][j];
      }
    }
    addInto(dwArr, dwParts[0]);
    addInto(dbArr, dbParts[0]);
  }

  /**
   * logp[i] = logits[i, target[i]] - logsumexp(logits[i]) from the softmax p of the same rows (target -1: 0). The
   * log-sum-exp comes from the row's most likely token j, lse = logits[i, j] - log p[i, j], where p[i, j] >= 1/V, so
   * no probability that underflows is ever taken the log of.
   */
  static void targetLogProbs(INDArray logits, INDArray softmax, int[] targets, INDArray out) {
    int rowsAll = (int) logits.size(0);
    int v = (int) logits.size(1);
    float[] logp = new float[rowsAll];
    CpuThreads.forRanges(rowsAll, Math.max(1, (1 << 14) / v), (index, from, to) -> {
      FloatBuffer l = Backend.hostFloats(logits);
      FloatBuffer p = Backend.hostFloats(softmax);
      float[] row = scratch(0, v);
      for (int r = from; r < to; r++) {
        if (targets[r] < 0) {
          continue;
        }
        p.get(r * v, row, 0, v);
        int best = 0;
        float bestP = row[0];
        for (int j = 1; j < v; j++) {
          if (row[j] > bestP) {
            bestP = row[j];
            best = j;
          }
        }
        double lse = l.get(r * v + best) - Math.log(bestP);
        logp[r] = (float) (l.get(r * v + targets[r]) - lse);
      }
    });
    Backend.hostFloats(out).put(logp, 0, rowsAll);
  }

  /**
   * In place on the softmax p [N, V]: dlogits[i] = dlogp[i] * (onehot(target[i]) - p[i]); rows without a target
   * (-1) get 0.
   */
  static void logitGradients(INDArray softmax, int[] targets, INDArray dLogProbs) {
    int rowsAll = (int) softmax.size(0);
    int v = (int) softmax.size(1);
    float[] g = new float[rowsAll];
    Backend.hostFloats(dLogProbs).get(g, 0, rowsAll);
    CpuThreads.forRanges(rowsAll, Math.max(1, (1 << 14) / v), (index, from, to) -> {
      FloatBuffer p = Backend.hostFloats(softmax);
      float[] row = scratch(0, v);
      for (int r = from; r < to; r++) {
        if (targets[r] < 0) {
          java.util.Arrays.fill(row, 0, v, 0f);
        } else {
          p.get(r * v, row, 0, v);
          float gr = -g[r];
          for (int j = 0; j < v; j++) {
            row[j] *= gr;
          }
          row[targets[r]] += g[r];
        }
        p.put(r * v, row, 0, v);
      }
    });
  }

  private static void addInto(INDArray target, float[] values) {
    if (target == null) {
      return;
    }
    FloatBuffer buf = Backend.hostFloats(target);
    float[] current = new float[values.length];
    buf.get(current, 0, values.length);
    for (int j = 0; j < values.length; j++) {
      current[j] += values[j];
    }
    buf.rewind();
    buf.put(current, 0, values.length);
  }
}
