package io.llmforge.trainer.engine;

import static org.nd4j.linalg.indexing.NDArrayIndex.all;
import static org.nd4j.linalg.indexing.NDArrayIndex.point;

import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * The parameter-free core of multi-head causal self-attention: {@code qkv [B*T, 3C]} (the fused projection's output,
 * columns [q | k | v], heads contiguous within each) to {@code y [B*T, C]}:
 * {@code att = softmax(q k^T / sqrt(D) + mask)}, {@code y = att v}, per batch row and head. libnd4j has no causal
 * attention kernel (its dot_product_attention takes only a [B, T] key mask), so the mask is an additive [T, T]
 * matrix (0 on and below the diagonal, -1e9 above) broadcast over batch and heads, and the batched products are
 * ND4J's batched matmul on [B, H, T, D] copies of the heads. On the CPU backend {@link CpuAttention} does the same
 * maths without the copies or the mask.
 */
final class CausalSelfAttention {
  /** This layer's activation buffers for the current batch shape. */
  private final Buffers buffers = new Buffers();
  /** exp() of a masked score is exactly 0 in float and double. */
  static final double MASKED = -1e9;

  private final boolean cpu;
  private final int h;
  private final int d;
  private final double scale;
  private int b;
  private int t;
  // forward state, kept for backward
  private INDArray q;   // [B, H, T, D]
  private INDArray k;
  private INDArray v;
  private INDArray att; // [B, H, T, T] probabilities
  private INDArray y;   // [B, H, T, D]
  private INDArray mask; // [T, T]
  private INDArray qkvIn; // the forward's input (CPU path: read again by backward)
  private CpuAttention cpuAttention;

  CausalSelfAttention(int nHead, int headSize, boolean cpuKernels) {
    this.cpu = cpuKernels;
    this.h = nHead;
    this.d = headSize;
    this.scale = 1.0 / Math.sqrt(headSize);
  }

  /** Buffers for [batch, time]; the previous shape's are freed. */
  void resize(int batch, int time, DataType dt) {
    this.b = batch;
    this.t = time;
    buffers.release();
    att = buffers.create(dt, b, h, t, t);
    if (cpu) {
      cpuAttention = new CpuAttention(b, h, t, d, scale);
      return;
    }
    q = buffers.create(dt, b, h, t, d);
    k = buffers.create(dt, b, h, t, d);
    v = buffers.create(dt, b, h, t, d);
    y = buffers.create(dt, b, h, t, d);
    mask = buffers.keep(causalMask(t, dt));
  }

  static INDArray causalMask(int t, DataType dt) {
    double[] m = new double[t * t];
    for (int i = 0; i < t; i++) {
      for (int j = i + 1; j < t; j++) {
        m[i * t + j] = MASKED;
      }
    }
    INDArray doubles = Nd4j.create(m, new long[] {t, t}, DataType.DOUBLE);
    INDArray cast = doubles.castTo(dt);
    if (cast != doubles) {
      doubles.close();
    }
    return cast;
  }

  /** Head {@code which} (0 = q, 1 = k, 2 = v) of a [B*T, 3C] array, as a [B, H, T, D] view. */
  INDArray heads(INDArray qkv, int which) {
    return qkv.reshape('c', b, t, 3, h, d).get(all(), all(), point(which), all(), all()).permute(0, 2, 1, 3);
  }

  /** A [B*T, C] array as a [B, H, T, D] view. */
  INDArray merged(INDArray x) {
    return x.reshape('c', b, t, h, d).permute(0, 2, 1, 3);
  }

  // views of the last arrays seen (the callers pass the same buffers every step), so no shape bookkeeping per call
  private final ViewCache qkvViews = new ViewCache();
  private final ViewCache mergedViews = new ViewCache();

  void forward(INDArray qkv, INDArray out) {
    if (cpu) {
      qkvIn = qkv;
      cpuAttention.forward(qkv, att, out);
      return;
    }
    INDArray[] heads = qkvViews.of(qkv, this);
    q.assign(heads[0]);
    k.assign(heads[1]);
    v.assign(heads[2]);
    Ops.bmm(q, false, k, true, att, scale);  // q k^T / sqrt(D)     [B, H, T, T]
    Ops.addBroadcast(att, mask, att, 2, 3);  // + causal mask
    Ops.softmax(att, att);
    Ops.bmm(att, false, v, false, y, 1);     // att v               [B, H, T, D]
    mergedViews.merged(out, this).assign(y); // heads side by side  [B*T, C]
  }

  /** dqkv (overwritten) from dout [B*T, C]; {@code s} holds the backward scratch shared by all layers. */
  void backward(INDArray dout, INDArray dqkv, Scratch s) {
    if (cpu) {
      cpuAttention.backward(qkvIn, att, dout, s.datt, dqkv);
      return;
    }
    s.dy.assign(s.doutViews.merged(dout, this));
    Ops.bmm(s.dy, false, v, true, s.datt, 1);   // datt = dy v^T     [B, H, T, T]
    Ops.bmm(att, true, s.dy, false, s.dv, 1);   // dv = att^T dy     [B, H, T, D]
    // softmax backward: dscores = att * (datt - sum(datt * att, last)); masked entries have att = 0, so 0
    Ops.mul(s.datt, att, s.prod);
    Ops.sumLast(s.prod, s.rowSum);
    Ops.subBroadcast(s.datt, s.rowSum, s.datt, 0, 1, 2);
    Ops.mul(s.datt, att, s.datt);
    Ops.bmm(s.datt, false, k, false, s.dq, scale); // dq = dscores k / sqrt(D)
    Ops.bmm(s.datt, true, q, false, s.dk, scale);  // dk = dscores^T q / sqrt(D)
    INDArray[] dheads = s.dqkvViews.of(dqkv, this);
    dheads[0].assign(s.dq);
    dheads[1].assign(s.dk);
    dheads[2].assign(s.dv);
  }

  /** The [B, H, T, D] views of one array, remembered while the array (and the batch shape) stays the same. */
  static final class ViewCache {
    private INDArray source;
    private int b;
    private int t;
    private INDArray[] views;

    INDArray[] of(INDArray qkv, CausalSelfAttention a) {
      if (qkv != source || b != a.b || t != a.t) {
        views = new INDArray[] {a.heads(qkv, 0), a.heads(qkv, 1), a.heads(qkv, 2)};
        remember(qkv, a);
      }
      return views;
    }

    INDArray merged(INDArray x, CausalSelfAttention a) {
      if (x != source || b != a.b || t != a.t) {
        views = new INDArray[] {a.merged(x)};
        remember(x, a);
      }
      return views[0];
    }

    private void remember(INDArray x, CausalSelfAttention a) {
      source = x;
      b = a.b;
      t = a.t;
    }
  }

  /**
   * Backward temporaries of one attention layer, shared by all layers (they run one at a time); the CPU path needs
   * only {@code datt}.
   */
  static final class Scratch {
    final INDArray datt;
    INDArray dy;
    INDArray dq;
    INDArray dk;
    INDArray dv;
    INDArray prod;
    INDArray rowSum;
    final ViewCache doutViews = new ViewCache();
    final ViewCache dqkvViews = new ViewCache();

    final Buffers buffers = new Buffers();

    Scratch(int b, int h, int t, int d, DataType dt, boolean cpu) {
      datt = buffers.create(dt, b, h, t, t);
      if (cpu) {
        return;
      }
      dy = buffers.create(dt, b, h, t, d);
      dq = buffers.create(dt, b, h, t, d);
      dk = buffers.create(dt, b, h, t, d);
      dv = buffers.create(dt, b, h, t, d);
      prod = buffers.create(dt, b, h, t, t);
      rowSum = buffers.create(dt, b, h, t);
    }

    void release() {
      buffers.release();
    }
  }
}
