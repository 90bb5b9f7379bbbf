package io.llmforge.trainer.engine;

import static org.bytedeco.openblas.global.openblas_nolapack.CblasNoTrans;
import static org.bytedeco.openblas.global.openblas_nolapack.CblasRowMajor;
import static org.bytedeco.openblas.global.openblas_nolapack.CblasTrans;

import java.nio.FloatBuffer;
import java.util.Arrays;
import org.bytedeco.openblas.global.openblas_nolapack;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * The CPU path of {@link CausalSelfAttention}: for each (batch row, head) pair, its small matrix products run as
 * OpenBLAS sgemms straight on the head's columns of the fused projection {@code qkv [B*T, 3C]} and of the merged
 * output {@code [B*T, C]} (a head is a [T, D] matrix with leading dimension 3C or C), so no head is copied into a
 * [B, H, T, D] array and back; the causal softmax and its backward are row loops over the pair's [T, T] block while
 * it is in cache, touching only the T(T+1)/2 entries on and below the diagonal. Pairs are split over
 * {@link CpuThreads}; each sgemm is too small for OpenBLAS to split further.
 *
 * <p>Measured on the shakespeare_char config (B 12, H 4, T 64, D 32), one thread: this replaced ND4J's batched
 * matmul (its rank-4 products loop over a generic kernel) plus the head copies, which together took ~19 ms of an
 * ~90 ms training step.
 */
final class CpuAttention {
  private static final ThreadLocal<float[][]> SCRATCH = ThreadLocal.withInitial(() -> new float[2][0]);

  private final int b;
  private final int h;
  private final int t;
  private final int d;
  private final float scale;

  CpuAttention(int batch, int nHead, int time, int headSize, double scale) {
    this.b = batch;
    this.h = nHead;
    this.t = time;
    this.d = headSize;
    this.scale = (float) scale;
  }

  private static float[] scratch(int slot, int n) {
    float[][] s = SCRATCH.get();
    if (s[slot].length < n) {
      s[slot] = new float[n];
    }
    return s[slot];
  }

  /** The elements of {@code buf} from {@code offset} on: a strided matrix starts there (OpenBLAS reads no further). */
  private static FloatBuffer from(FloatBuffer buf, int offset) {
    return buf.slice(offset, buf.capacity() - offset);
  }

  /**
   * C = alpha op(A) op(B), row-major, leading dimensions given: the one BLAS call of this class. Its time is added
   * to {@code nanos[range]} when profiling, so the benchmark's gemm share counts these products too.
   */
  private static void sgemm(boolean transA, boolean transB, int m, int n, int k, float alpha, FloatBuffer a, int lda,
      FloatBuffer bm, int ldb, FloatBuffer c, int ldc, long[] nanos, int range) {
    long start = nanos != null ? System.nanoTime() : 0;
    openblas_nolapack.cblas_sgemm(CblasRowMajor, transA ? CblasTrans : CblasNoTrans,
        transB ? CblasTrans : CblasNoTrans, m, n, k, alpha, a, lda, bm, ldb, 0f, c, ldc);
    if (nanos != null) {
      nanos[range] += System.nanoTime() - start;
    }
  }

  /** Per-range sgemm time of one parallel section, or null when the engine is not being profiled. */
  private static long[] profileSlots(int pairs) {
    return EngineProfile.enabled() ? new long[CpuThreads.ranges(pairs, 1)] : null;
  }

  /** The ranges ran side by side: the section's gemm time is the longest range's. */
  private static void recordProfile(long[] nanos) {
    if (nanos != null) {
      EngineProfile.record(Arrays.stream(nanos).max().orElse(0));
    }
  }

  /**
   * Where one (batch row, head) pair's matrices start: its q, k and v columns in qkv [B*T, 3C] (leading dimension
   * 3C), its columns in the merged [B*T, C] output or its gradient (leading dimension C), and its [T, T] block of
   * att [B, H, T, T].
   */
  private record PairOffsets(int q, int k, int v, int y, int att) {
    static PairOffsets of(int pair, int h, int t, int d) {
      int c = h * d;
      int row0 = pair / h * t;  // first row of this batch row in [B*T, .]
      int col = pair % h * d;   // this head's first column within q, k, v and y
      int q = row0 * 3 * c + col;
      return new PairOffsets(q, q + c, q + 2 * c, row0 * c + col, pair * t * t);
    }
  }

  /** att [B, H, T, T] = causal softmax(q k^T * scale); out [B*T, C] = att v, per pair. */
  void forward(INDArray qkvArr, INDArray attArr, INDArray outArr) {
    int c = h * d;
    FloatBuffer qkv = Backend.hostFloats(qkvArr);
    FloatBuffer att = Backend.hostFloats(attArr);
    FloatBuffer out = Backend.hostFloats(outArr);
    long[] nanos = profileSlots(b * h);
    CpuThreads.forRanges(b * h, 1, (index, from, to) -> {
      float[] p = scratch(0, t * t);
      for (int pair = from; pair < to; pair++) {
        PairOffsets o = PairOffsets.of(pair, h, t, d);
        sgemm(false, true, t, t, d, scale, from(qkv, o.q()), 3 * c, from(qkv, o.k()), 3 * c, from(att, o.att()), t,
            nanos, index);
        att.get(o.att(), p, 0, t * t);
        causalSoftmax(p, t);
        att.put(o.att(), p, 0, t * t);
        sgemm(false, false, t, d, t, 1f, from(att, o.att()), t, from(qkv, o.v()), 3 * c, from(out, o.y()), c,
            nanos, index);
      }
    });
    recordProfile(nanos);
  }

  /**
   * dqkv [B*T, 3C] (overwritten) from dout [B*T, C], with the forward's qkv and att; {@code dattArr} [B, H, T, T] is
   * scratch.
   */
  void backward(INDArray qkvArr, INDArray attArr, INDArray doutArr, INDArray dattArr, INDArray dqkvArr) {
    int c = h * d;
    FloatBuffer qkv = Backend.hostFloats(qkvArr);
    FloatBuffer att = Backend.hostFloats(attArr);
    FloatBuffer dout = Backend.hostFloats(doutArr);
    FloatBuffer datt = Backend.hostFloats(dattArr);
    FloatBuffer dqkv = Backend.hostFloats(dqkvArr);
    long[] nanos = profileSlots(b * h);
    CpuThreads.forRanges(b * h, 1, (index, from, to) -> {
      float[] p = scratch(0, t * t);
      float[] g = scratch(1, t * t);
      for (int pair = from; pair < to; pair++) {
        PairOffsets o = PairOffsets.of(pair, h, t, d);
        // datt = dy v^T [T, T]; dv = att^T dy [T, D]
        sgemm(false, true, t, t, d, 1f, from(dout, o.y()), c, from(qkv, o.v()), 3 * c, from(datt, o.att()), t,
            nanos, index);
        sgemm(true, false, t, d, t, 1f, from(att, o.att()), t, from(dout, o.y()), c, from(dqkv, o.v()), 3 * c,
            nanos, index);
        att.get(o.att(), p, 0, t * t);
        datt.get(o.att(), g, 0, t * t);
        causalSoftmaxBackward(p, g, t);
        datt.put(o.att(), g, 0, t * t);
        // dq = dscores k * scale; dk = dscores^T q * scale
        sgemm(false, false, t, d, t, scale, from(datt, o.att()), t, from(qkv, o.k()), 3 * c, from(dqkv, o.q()), 3 * c,
            nanos, index);
        sgemm(true, false, t, d, t, scale, from(datt, o.att()), t, from(qkv, o.q()), 3 * c, from(dqkv, o.k()), 3 * c,
            nanos, index);
      }
    });
    recordProfile(nanos);
  }

  /** Row i of the [T, T] block p: softmax over columns 0..i, zeros after (the causal mask). In place. */
  static void causalSoftmax(float[] p, int t) {
    for (int i = 0; i < t; i++) {
      int o = i * t;
      float max = Float.NEGATIVE_INFINITY;
      for (int j = 0; j <= i; j++) {
        max = Math.max(max, p[o + j]);
      }
      float sum = 0;
      for (int j = 0; j <= i; j++) {
        float e = (float) Math.exp(p[o + j] - max);
        p[o + j] = e;
        sum += e;
      }
      float inv = 1f / sum;
      for (int j = 0; j <= i; j++) {
        p[o + j] *= inv;
      }
      for (int j = i + 1; j < t; j++) {
        p[o + j] = 0f;
      }
    }
  }

  /** In place on g = dL/dp: g = p * (g - sum(g * p)) per row over columns 0..i; 0 after (masked scores). */
  static void causalSoftmaxBackward(float[] p, float[] g, int t) {
    for (int i = 0; i < t; i++) {
      int o = i * t;
      float dot = 0;
      for (int j = 0; j <= i; j++) {
        dot += g[o + j] * p[o + j];
      }
      for (int j = 0; j <= i; j++) {
        g[o + j] = p[o + j] * (g[o + j] - dot);
      }
      for (int j = i + 1; j < t; j++) {
        g[o + j] = 0f;
      }
    }
  }
}
