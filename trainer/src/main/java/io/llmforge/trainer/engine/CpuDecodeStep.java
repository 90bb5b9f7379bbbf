package io.llmforge.trainer.engine;

import java.nio.FloatBuffer;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * The CPU backend's fast path for {@link KvCacheDecoder#step}: one new token per row through the whole model in
 * plain Java, on a heap copy of the weights. Decoding a token is a chain of matrix-vector products on one or a few
 * rows, where ND4J spends 10 to 70 us of bookkeeping per op (measured) against a few us of arithmetic, so the
 * ~70 ops of a token cost milliseconds there; here every product is a loop the JIT vectorises (an axpy over the
 * weight row, each weight row read once for all rows), and the caches are heap arrays read in place.
 *
 * <p>The maths is {@link GptEngine#forward}'s (the decoder tests compare both paths with full recompute). LoRA
 * adapters are merged into the copy ({@code W + s A B}); the embedding is the decoder's, trainable token rows
 * added. The copy is taken by {@link #snapshot}, which the decoder calls on construction and on {@code reset()}: weights changed
 * after that are seen after the next reset.
 */
final class CpuDecodeStep {
  private final int layers;
  private final int c;
  private final int h;
  private final int d;
  private final int t;
  private final int v;
  private final float scale;
  // weights (row-major, [in, out] like the engine)
  private float[] wte;
  private float[] wpe;
  private final float[][] ln1w;
  private final float[][] ln1b;
  private final float[][] attnW;
  private final float[][] attnB;
  private final float[][] projW;
  private final float[][] projB;
  private final float[][] ln2w;
  private final float[][] ln2b;
  private final float[][] fcW;
  private final float[][] fcB;
  private final float[][] fc2W;
  private final float[][] fc2B;
  private float[] lnfW;
  private float[] lnfB;
  // caches: [layer][row] -> [H, T, D]
  private final float[][][] keys;
  private final float[][][] values;

  CpuDecodeStep(GptConfig config, int maxBatch) {
    this.layers = config.nLayer();
    this.c = config.nEmbd();
    this.h = config.nHead();
    this.d = config.headSize();
    this.t = config.blockSize();
    this.v = config.vocabSize();
    this.scale = (float) (1.0 / Math.sqrt(d));
    ln1w = new float[layers][];
    ln1b = new float[layers][];
    attnW = new float[layers][];
    attnB = new float[layers][];
    projW = new float[layers][];
    projB = new float[layers][];
    ln2w = new float[layers][];
    ln2b = new float[layers][];
    fcW = new float[layers][];
    fcB = new float[layers][];
    fc2W = new float[layers][];
    fc2B = new float[layers][];
    keys = new float[layers][maxBatch][h * t * d];
    values = new float[layers][maxBatch][h * t * d];
  }

  /**
   * Copies the weights (LoRA merged) from {@code p}; the token embedding from {@code embedding}, the decoder's (with
   * the trainable token rows added, when there are some).
   */
  void snapshot(Parameters p, LoraSettings lora, INDArray embedding) {
    wte = copy(embedding);
    wpe = copy(p, "wpe.weight");
    for (int l = 0; l < layers; l++) {
      String x = "h." + l + ".";
      ln1w[l] = copy(p, x + "ln_1.weight");
      ln1b[l] = copy(p, x + "ln_1.bias");
      attnW[l] = merged(p, x + "attn.c_attn", lora);
      attnB[l] = copy(p, x + "attn.c_attn.bias");
      projW[l] = merged(p, x + "attn.c_proj", lora);
      projB[l] = copy(p, x + "attn.c_proj.bias");
      ln2w[l] = copy(p, x + "ln_2.weight");
      ln2b[l] = copy(p, x + "ln_2.bias");
      fcW[l] = merged(p, x + "mlp.c_fc", lora);
      fcB[l] = copy(p, x + "mlp.c_fc.bias");
      fc2W[l] = merged(p, x + "mlp.c_proj", lora);
      fc2B[l] = copy(p, x + "mlp.c_proj.bias");
    }
    lnfW = copy(p, "ln_f.weight");
    lnfB = copy(p, "ln_f.bias");
  }

  private static float[] copy(Parameters p, String name) {
    return copy(p.value(name));
  }

  private static float[] copy(INDArray a) {
    float[] out = new float[(int) a.length()];
    Backend.hostFloats(a).get(out);
    return out;
  }

  private static float[] merged(Parameters p, String name, LoraSettings lora) {
    float[] w = copy(p, name + ".weight");
    if (!p.contains(name + ".lora_A")) {
      return w;
    }
    float[] a = copy(p, name + ".lora_A"); // [in, r]
    float[] b = copy(p, name + ".lora_B"); // [r, out]
    int r = lora.rank();
    int in = a.length / r;
    int out = b.length / r;
    float s = (float) lora.scale();
    for (int i = 0; i < in; i++) {
      for (int k = 0; k < r; k++) {
        float aik = s * a[i * r + k];
        for (int j = 0; j < out; j++) {
          w[i * out + j] += aik * b[k * out + j];
        }
      }
    }
    return w;
  }


  /** After a prefill of {@code length} positions into the ND4J caches, copies that row's keys and values here. */
  void loadRow(int row, int length, INDArray[] keyCaches, INDArray[] valueCaches) {
    for (int l = 0; l < layers; l++) {
      copyRow(keyCaches[l], row, length, keys[l][row]);
      copyRow(valueCaches[l], row, length, values[l][row]);
    }
  }

  private void copyRow(INDArray cache, int row, int length, float[] into) {
    FloatBuffer all = Backend.hostFloats(cache);
    for (int head = 0; head < h; head++) {
      int offset = (row * h + head) * t * d;
      all.get(offset, into, head * t * d, length * d);
    }
  }

  /**
   * One token per row at {@code positions}: appends its keys and values and writes the logits [n, V] into
   * {@code logits}.
   */
  void step(int[] rows, int[] tokens, int[] positions, INDArray logits) {
    int n = rows.length;
    float[] x = new float[n * c];
    float[] ln = new float[n * c];
    float[] qkv = new float[n * 3 * c];
    float[] y = new float[n * c];
    float[] proj = new float[n * c];
    float[] hidden = new float[n * 4 * c];
    float[] tanh = new float[n * 4 * c];
    float[] scores = new float[t];
    for (int r = 0; r < n; r++) {
      int tok = tokens[r] * c;
      int pos = positions[r] * c;
      for (int j = 0; j < c; j++) {
        x[r * c + j] = wte[tok + j] + wpe[pos + j];
      }
    }
    for (int l = 0; l < layers; l++) {
      layerNorm(x, ln1w[l], ln1b[l], ln, n);
      matmul(ln, n, attnW[l], c, 3 * c, attnB[l], qkv);
      for (int r = 0; r < n; r++) {
        attend(qkv, r, keys[l][rows[r]], values[l][rows[r]], positions[r], y, scores);
      }
      matmul(y, n, projW[l], c, c, projB[l], proj);
      add(x, proj);
      layerNorm(x, ln2w[l], ln2b[l], ln, n);
      matmul(ln, n, fcW[l], c, 4 * c, fcB[l], hidden);
      gelu(hidden, tanh);
      matmul(hidden, n, fc2W[l], 4 * c, c, fc2B[l], proj);
      add(x, proj);
    }
    layerNorm(x, lnfW, lnfB, ln, n);
    float[] out = new float[n * v];
    for (int r = 0; r < n; r++) {
      for (int tok = 0; tok < v; tok++) {
        out[r * v + tok] = dot(ln, r * c, wte, tok * c, c); // tied head: x . wte[tok]
      }
    }
    Backend.hostFloats(logits).put(out, 0, n * v);
  }

  /** Appends row r's k and v at {@code pos} and writes its attention output into y. */
  private void attend(float[] qkv, int r, float[] k, float[] vv, int pos, float[] y, float[] scores) {
    int base = r * 3 * c;
    for (int head = 0; head < h; head++) {
      int cache = head * t * d;
      System.arraycopy(qkv, base + c + head * d, k, cache + pos * d, d);
      System.arraycopy(qkv, base + 2 * c + head * d, vv, cache + pos * d, d);
      int q = base + head * d;
      float max = Float.NEGATIVE_INFINITY;
      for (int p = 0; p <= pos; p++) {
        float s = dot(qkv, q, k, cache + p * d, d) * scale;
        scores[p] = s;
        max = Math.max(max, s);
      }
      float sum = 0;
      for (int p = 0; p <= pos; p++) {
        float e = (float) Math.exp(scores[p] - max);
        scores[p] = e;
        sum += e;
      }
      int out = r * c + head * d;
      java.util.Arrays.fill(y, out, out + d, 0f);
      for (int p = 0; p <= pos; p++) {
        float a = scores[p] / sum;
        int row = cache + p * d;
        for (int j = 0; j < d; j++) {
          y[out + j] += a * vv[row + j];
        }
      }
    }
  }

  /** y [n, out] = x [n, in] W [in, out] + b; each weight row is read once for all n rows. */
  private static void matmul(float[] x, int n, float[] w, int in, int out, float[] b, float[] y) {
    for (int r = 0; r < n; r++) {
      System.arraycopy(b, 0, y, r * out, out);
    }
    for (int i = 0; i < in; i++) {
      int wRow = i * out;
      for (int r = 0; r < n; r++) {
        float xi = x[r * in + i];
        int yRow = r * out;
        for (int j = 0; j < out; j++) {
          y[yRow + j] += xi * w[wRow + j];
        }
      }
    }
  }

  private static float dot(float[] a, int ao, float[] b, int bo, int len) {
    float s0 = 0;
    float s1 = 0;
    float s2 = 0;
    float s3 = 0;
    int j = 0;
    for (; j + 3 < len; j += 4) {
      s0 += a[ao + j] * b[bo + j];
      s1 += a[ao + j + 1] * b[bo + j + 1];
      s2 += a[ao + j + 2] * b[bo + j + 2];
      s3 += a[ao + j + 3] * b[bo + j + 3];
    }
    for (; j < len; j++) {
      s0 += a[ao + j] * b[bo + j];
    }
    return (s0 + s1) + (s2 + s3);
  }

  private void layerNorm(float[] x, float[] w, float[] b, float[] out, int n) {
    for (int r = 0; r < n; r++) {
      int o = r * c;
      float mean = 0;
      for (int j = 0; j < c; j++) {
        mean += x[o + j];
      }
      mean /= c;
      float var = 0;
      for (int j = 0; j < c; j++) {
        float dlt = x[o + j] - mean;
        var += dlt * dlt;
      }
      float rs = (float) (1.0 / Math.sqrt(var / c + LayerNorm.EPS));
      for (int j = 0; j < c; j++) {
        out[o + j] = (x[o + j] - mean) * rs * w[j] + b[j];
      }
    }
  }

  private static void add(float[] x, float[] y) {
    for (int i = 0; i < x.length; i++) {
      x[i] += y[i];
    }
  }

  /** In place: h = 0.5 h (1 + tanh(k (h + a h^3))), the engine's CPU GELU. */
  private static void gelu(float[] hidden, float[] t) {
    final float k = (float) (Gelu.K2 / 2);
    final float a = (float) Gelu.A;
    for (int i = 0; i < hidden.length; i++) {
      float x = hidden[i];
      t[i] = k * (x + a * x * x * x);
    }
    CpuKernels.tanhInPlace(t, t.length);
    for (int i = 0; i < hidden.length; i++) {
      hidden[i] = 0.5f * hidden[i] * (1f + t[i]);
    }
  }
}
