package io.llmforge.trainer.engine;

import java.util.SplittableRandom;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * A projection {@code x [N, in] -> y = x W + b [N, out]} (W stored [in, out], Hugging Face GPT-2's Conv1D layout),
 * optionally with a LoRA adapter {@code + s (drop(x) A) B}. Forward and backward are gemms into buffers allocated
 * once per batch size; a frozen W or b gets no gradient (its {@code dw}/{@code db} are null).
 */
final class Linear {
  /** This layer's activation buffers for the current batch shape. */
  private final Buffers buffers = new Buffers();
  final String name;
  private final INDArray w;
  private final INDArray b;
  private final INDArray dw;
  private final INDArray db;
  // LoRA (null when the projection has no adapter)
  private final INDArray loraA;
  private final INDArray loraB;
  private final INDArray dLoraA;
  private final INDArray dLoraB;
  private final double loraScale;
  private final double dropout;
  private final int in;
  private final int rank;
  // per-batch buffers
  private INDArray ones;   // [1, N]: bias gradients are ones^T dy, one gemm that accumulates
  private INDArray u;      // [N, r]   drop(x) A
  private INDArray du;     // [N, r]
  private INDArray xDrop;  // [N, in]  drop(x) (dropout only)
  private INDArray mask;   // [N, in]  0 or 1/(1-p)
  private INDArray dxDrop; // [N, in]

  Linear(Parameters p, String name, LoraSettings lora) {
    this.name = name;
    this.w = p.value(name + ".weight");
    this.b = p.value(name + ".bias");
    this.dw = p.gradient(name + ".weight");
    this.db = p.gradient(name + ".bias");
    this.in = (int) w.size(0);
    boolean adapted = p.contains(name + ".lora_A");
    this.loraA = adapted ? p.value(name + ".lora_A") : null;
    this.loraB = adapted ? p.value(name + ".lora_B") : null;
    this.dLoraA = adapted ? p.gradient(name + ".lora_A") : null;
    this.dLoraB = adapted ? p.gradient(name + ".lora_B") : null;
    this.loraScale = adapted ? lora.scale() : 0;
    this.dropout = adapted ? lora.dropout() : 0;
    this.rank = adapted ? lora.rank() : 0;
  }

  /** Buffers for {@code n} rows; the previous shape's are freed. */
  void resize(int n, DataType dt) {
    buffers.release();
    ones = buffers.ones(dt, 1, n);
    if (loraA != null) {
      u = buffers.create(dt, n, rank);
      du = buffers.create(dt, n, rank);
      if (dropout > 0) {
        xDrop = buffers.create(dt, n, in);
        mask = buffers.create(dt, n, in);
        dxDrop = buffers.create(dt, n, in);
      }
    }
  }

  /**
   * A new dropout mask for the adapter's input from {@code random}, or (null) none: all ones, for evaluation.
   */
  void drawDropoutMask(SplittableRandom random) {
    if (mask == null) {
      return;
    }
    if (random == null) {
      mask.assign(1);
      return;
    }
    float[] m = new float[(int) mask.length()];
    float keep = (float) (1.0 / (1.0 - dropout));
    for (int i = 0; i < m.length; i++) {
      m[i] = random.nextDouble() < dropout ? 0f : keep;
    }
    try (INDArray values = Nd4j.createFromArray(m)) {
      mask.assign(values.reshape(mask.shape()));
    }
  }

  /** y = x W + b (+ s drop(x) A B). */
  void forward(INDArray x, INDArray y) {
    Ops.gemm(x, false, w, false, y, 1, 0);
    Ops.addRow(y, b, y); // ND4J's broadcast: 2.5x faster than a Java pass over y (measured on [768, 128..512])
    if (loraA != null) {
      INDArray xa = x;
      if (mask != null) {
        Ops.mul(x, mask, xDrop);
        xa = xDrop;
      }
      Ops.gemm(xa, false, loraA, false, u, 1, 0);
      Ops.gemm(u, false, loraB, false, y, loraScale, 1);
    }
  }

  /**
   * Given dy, accumulates dW, db (and the adapter's dA, dB) and writes dx = dy W^T (+ the adapter's path), adding to
   * {@code dx} when {@code accumulate}.
   */
  void backward(INDArray x, INDArray dy, INDArray dx, boolean accumulate) {
    if (dw != null) {
      Ops.gemm(x, true, dy, false, dw, 1, 1);           // dW += x^T dy      [in, out]
    }
    if (db != null) {
      Ops.gemm(ones, false, dy, false, db.reshape(1, db.length()), 1, 1); // db += sum over rows of dy
    }
    Ops.gemm(dy, false, w, true, dx, 1, accumulate ? 1 : 0); // dx (+)= dy W^T   [N, in]
    if (loraA != null) {
      INDArray xa = mask != null ? xDrop : x;
      Ops.gemm(u, true, dy, false, dLoraB, loraScale, 1);     // dB += s u^T dy    [r, out]
      Ops.gemm(dy, false, loraB, true, du, loraScale, 0);     // du = s dy B^T     [N, r]
      Ops.gemm(xa, true, du, false, dLoraA, 1, 1);            // dA += drop(x)^T du [in, r]
      if (mask == null) {
        Ops.gemm(du, false, loraA, true, dx, 1, 1);           // dx += du A^T
      } else {
        Ops.gemm(du, false, loraA, true, dxDrop, 1, 0);
        Ops.mul(dxDrop, mask, dxDrop);
        Ops.add(dx, dxDrop, dx);
      }
    }
  }

  /** W += s A B, then the adapter is zeroed (B = 0): the merged model computes the same function. */
  void mergeAdapter() {
    if (loraA == null) {
      return;
    }
    Ops.gemm(loraA, false, loraB, false, w, loraScale, 1);
    loraB.assign(0);
  }
}
