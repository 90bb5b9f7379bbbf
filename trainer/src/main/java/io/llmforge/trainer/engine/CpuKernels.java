package io.llmforge.trainer.engine;

import java.nio.FloatBuffer;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * CPU-only shortcuts for element-wise chains that ND4J would run as many separate passes (each with its own JNI
 * call and memory sweep): the data is copied into a Java array in one bulk read, transformed in one loop that the JIT
 * vectorises, and written back in one bulk write. Only for float arrays in host memory (the CPU backend); the
 * engine uses them when {@link #available()} and otherwise the portable {@link Ops} compositions, and
 * {@code CpuKernelsTest} checks that both give the same numbers.
 */
final class CpuKernels {
  private static final boolean CPU_BACKEND = "CPU".equalsIgnoreCase(String.valueOf(
      Nd4j.getExecutioner().getEnvironmentInformation().get("backend")));
  private static final ThreadLocal<float[][]> SCRATCH = ThreadLocal.withInitial(() -> new float[3][0]);

  private CpuKernels() {}

  /** Whether the shortcuts may be used for arrays of this type (CPU backend, float, not disabled). */
  static boolean available(DataType dt) {
    return CPU_BACKEND && dt == DataType.FLOAT && !Boolean.getBoolean("llmforge.engine.portable");
  }

  private static float[] scratch(int slot, int n) {
    float[][] s = SCRATCH.get();
    if (s[slot].length < n) {
      s[slot] = new float[n];
    }
    return s[slot];
  }

  private static FloatBuffer floats(INDArray a) {
    if (a.dataType() != DataType.FLOAT || !a.isR() || a.ordering() != 'c' || a.elementWiseStride() != 1) {
      throw new IllegalArgumentException("CPU kernels need contiguous float arrays, got " + a.shapeInfoToString());
    }
    FloatBuffer all = a.data().asNioFloat();
    return all.position((int) a.offset()).slice().limit((int) a.length());
  }

  /** g = h * sigmoid(z), s = sigmoid(z), z = 2k (h + a h^3). */
  static void geluForward(INDArray h, INDArray s, INDArray g) {
    int n = (int) h.length();
    float[] x = scratch(0, n);
    float[] sig = scratch(1, n);
    float[] out = scratch(2, n);
    floats(h).get(x, 0, n);
    final float k2 = (float) Gelu.K2;
    final float a = (float) Gelu.A;
    for (int i = 0; i < n; i++) {
      float v = x[i];
      float z = k2 * (v + a * v * v * v);
      float si = (float) (1.0 / (1.0 + Math.exp(-z)));
      sig[i] = si;
      out[i] = v * si;
    }
    floats(s).put(sig, 0, n);
    floats(g).put(out, 0, n);
  }

  /** dg *= s + h s (1 - s) 2k (1 + 3a h^2). */
  static void geluBackward(INDArray h, INDArray s, INDArray dg) {
    int n = (int) h.length();
    float[] x = scratch(0, n);
    float[] sig = scratch(1, n);
    float[] d = scratch(2, n);
    floats(h).get(x, 0, n);
    floats(s).get(sig, 0, n);
    FloatBuffer dBuf = floats(dg);
    dBuf.get(d, 0, n);
    final float k2 = (float) Gelu.K2;
    final float a3 = (float) (3 * Gelu.A);
    for (int i = 0; i < n; i++) {
      float v = x[i];
      float si = sig[i];
      d[i] *= si + v * si * (1f - si) * k2 * (1f + a3 * v * v);
    }
    floats(dg).put(d, 0, n);
  }
}
