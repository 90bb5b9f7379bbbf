package io.llmforge.trainer.engine;

/**
 * Opt-in timing of the engine's matrix products (every gemm and batched matmul, and CpuAttention's per-head sgemms:
 * the longest thread's share of each parallel section), for the benchmark's "share of step time in gemm" figure.
 * Off by default: then it costs one branch per product.
 */
public final class EngineProfile {
  private static volatile boolean enabled;
  private static long matmulNanos;
  private static long matmulCalls;

  private EngineProfile() {}

  public static void enable(boolean on) {
    enabled = on;
  }

  public static void reset() {
    matmulNanos = 0;
    matmulCalls = 0;
  }

  /** Nanoseconds spent in matrix products since the last {@link #reset}. */
  public static long matmulNanos() {
    return matmulNanos;
  }

  public static long matmulCalls() {
    return matmulCalls;
  }

  static boolean enabled() {
    return enabled;
  }

  static void record(long nanos) {
    matmulNanos += nanos;
    matmulCalls++;
  }
}
