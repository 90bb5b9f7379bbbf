package io.llmforge.trainer.bench;

import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * The machine's practical single-precision matrix-multiply peak: one large square sgemm through ND4J (the same
 * BLAS the engine's projections use), best of a few repetitions. MFU divided by this says how close to the
 * hardware a run is, rather than dividing by a guessed datasheet figure.
 */
public final class GemmPeak {
  private GemmPeak() {}

  /** Best TFLOP/s of {@code repeats} n x n x n float gemms. */
  public static double tflops(int n, int repeats) {
    INDArray a = Nd4j.rand(DataType.FLOAT, n, n);
    INDArray b = Nd4j.rand(DataType.FLOAT, n, n);
    INDArray c = Nd4j.create(DataType.FLOAT, n, n);
    Nd4j.gemm(a, b, c, false, false, 1.0, 0.0); // warm up (thread pools, page faults)
    double best = Double.MAX_VALUE;
    for (int i = 0; i < repeats; i++) {
      long t0 = System.nanoTime();
      Nd4j.gemm(a, b, c, false, false, 1.0, 0.0);
      best = Math.min(best, (System.nanoTime() - t0) / 1e9);
    }
    return 2.0 * n * n * n / best / 1e12;
  }
}
