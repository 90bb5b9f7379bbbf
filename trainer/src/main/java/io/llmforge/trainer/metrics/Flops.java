package io.llmforge.trainer.metrics;

import io.llmforge.trainer.engine.GptConfig;

/**
 * Model FLOPs per token and utilisation (MFU), as nanoGPT's {@code estimate_mfu} (PaLM paper, appendix B):
 * {@code 6 N + 12 L H Q T} per token for forward and backward, with N the parameters without the position
 * embedding, L layers, H heads, Q head size and T the context length.
 */
public final class Flops {
  private Flops() {}

  /** Training FLOPs (forward + backward) per token. */
  public static double perToken(GptConfig c, long parameterCount) {
    long n = parameterCount - (long) c.blockSize() * c.nEmbd(); // position embeddings do no multiply-adds
    return 6.0 * n + 12.0 * c.nLayer() * c.nHead() * c.headSize() * c.blockSize();
  }

  /** Achieved share of {@code peakTflops}; 0 when the peak is unknown (0). */
  public static double mfu(GptConfig c, long parameterCount, double tokensPerSecond, double peakTflops) {
    return peakTflops <= 0 ? 0 : perToken(c, parameterCount) * tokensPerSecond / (peakTflops * 1e12);
  }
}
