package io.llmforge.trainer.optim;

import org.nd4j.linalg.api.ndarray.INDArray;

/** Global-norm gradient clipping ({@code torch.nn.utils.clip_grad_norm_}) on the flat gradient buffer. */
public final class GradientClipping {
  private GradientClipping() {}

  /**
   * Scales the gradients in place so that their L2 norm is at most {@code maxNorm} (no-op when it already is, or
   * when {@code maxNorm} is 0). Returns the norm before clipping, which is what training logs report.
   */
  public static double clip(INDArray gradients, double maxNorm) {
    double norm = gradients.norm2Number().doubleValue();
    if (maxNorm > 0 && norm > maxNorm) {
      gradients.muli(maxNorm / (norm + 1e-6)); // same guard as PyTorch
    }
    return norm;
  }
}
