package io.llmforge.trainer.engine;

import java.nio.FloatBuffer;
import java.util.Map;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/** What the engine runs on, in one line for the logs: ND4J backend, BLAS, thread pools, and the CPU shortcuts. */
public final class Backend {
  private static final boolean CPU = "CPU".equalsIgnoreCase(String.valueOf(
      Nd4j.getExecutioner().getEnvironmentInformation().get("backend")));

  private Backend() {}

  /** Whether arrays live in host memory (nd4j-native), so Java may read and write their buffers directly. */
  public static boolean isCpu() {
    return CPU;
  }

  /**
   * The elements of a contiguous float array in host memory (CPU backend), as a buffer over exactly its elements: what
   * the Java kernels read and write in bulk.
   */
  public static FloatBuffer hostFloats(INDArray a) {
    boolean contiguous = a.elementWiseStride() == 1 && (a.rank() <= 1 || a.ordering() == 'c'); // 1-D: any order
    if (!CPU || a.dataType() != DataType.FLOAT || !contiguous) {
      throw new IllegalArgumentException("host float access needs a contiguous float array on the CPU backend, got "
          + a.shapeInfoToString());
    }
    return a.data().asNioFloat().position((int) a.offset()).slice().limit((int) a.length());
  }

  public static String describe() {
    Map<Object, Object> env = Nd4j.getExecutioner().getEnvironmentInformation();
    String omp = System.getenv("OMP_NUM_THREADS");
    String blas = System.getenv("OPENBLAS_NUM_THREADS");
    return "ND4J " + env.get("backend") + " backend (" + env.get("blas.vendor") + "), OMP_NUM_THREADS="
        + (omp == null ? "unset (all cores)" : omp) + ", OPENBLAS_NUM_THREADS=" + (blas == null ? "unset" : blas)
        + ", element-wise CPU kernels " + (CpuKernels.available(DataType.FLOAT)
        ? "on" : "off");
  }
}
