package io.llmforge.trainer.optim;

import io.llmforge.trainer.engine.Backend;
import io.llmforge.trainer.engine.CpuThreads;
import java.nio.FloatBuffer;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * The AdamW update as one Java loop over host memory (CPU backend, float): four reads and three writes per scalar
 * instead of ND4J's ten passes. {@code AdamWTest} checks it against the portable path.
 */
final class FusedAdamW {
  private static final int CHUNK = 1 << 16;

  private FusedAdamW() {}

  static boolean available(DataType dt) {
    return Backend.isCpu() && dt == DataType.FLOAT && !Boolean.getBoolean("llmforge.engine.portable");
  }


  /** p -= stepSize * m / (sqrt(v) * vScale + eps), after m and v take in g; split over the CPU kernel threads. */
  static void step(INDArray values, INDArray grads, INDArray first, INDArray second, double beta1, double beta2,
      double eps, double stepSize, double vScale) {
    float b1 = (float) beta1;
    float b2 = (float) beta2;
    float c1 = (float) (1 - beta1);
    float c2 = (float) (1 - beta2);
    float e = (float) eps;
    float lr = (float) stepSize;
    float vs = (float) vScale;
    CpuThreads.forRanges((int) values.length(), 1 << 15, (index, from, to) -> {
      FloatBuffer p = Backend.hostFloats(values);
      FloatBuffer g = Backend.hostFloats(grads);
      FloatBuffer m = Backend.hostFloats(first);
      FloatBuffer v = Backend.hostFloats(second);
      int chunk = Math.min(CHUNK, to - from);
      float[] pa = new float[chunk];
      float[] ga = new float[chunk];
      float[] ma = new float[chunk];
      float[] va = new float[chunk];
      for (int start = from; start < to; start += CHUNK) {
        int len = Math.min(CHUNK, to - start);
        p.get(start, pa, 0, len);
        g.get(start, ga, 0, len);
        m.get(start, ma, 0, len);
        v.get(start, va, 0, len);
        for (int i = 0; i < len; i++) {
          float gi = ga[i];
          float mi = b1 * ma[i] + c1 * gi;
          float vi = b2 * va[i] + c2 * gi * gi;
          ma[i] = mi;
          va[i] = vi;
          pa[i] -= lr * mi / ((float) Math.sqrt(vi) * vs + e);
        }
        p.put(start, pa, 0, len);
        m.put(start, ma, 0, len);
        v.put(start, va, 0, len);
      }
    });
  }
}
