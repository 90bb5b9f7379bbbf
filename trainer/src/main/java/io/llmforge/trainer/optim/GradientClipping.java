package io.llmforge.trainer.optim;

import java.util.Map;
import org.nd4j.linalg.api.ndarray.INDArray;

/** Global-norm gradient clipping ({@code torch.nn.utils.clip_grad_norm_}): one scale for all parameters. */
public final class GradientClipping {
  private GradientClipping() {}

  /** L2 norm of all gradients together, as if concatenated into one vector. */
  public static double globalNorm(Map<String, INDArray> gradients) {
    double sumOfSquares = 0;
    for (INDArray g : gradients.values()) {
      double norm = g.norm2Number().doubleValue();
      sumOfSquares += norm * norm;
    }
    return Math.sqrt(sumOfSquares);
  }

  /**
   * Scales every gradient in place so that the global norm is at most {@code maxNorm} (no-op when it already is,
   * or when {@code maxNorm} is 0). Returns the norm before clipping, which is what training logs report.
   */
  public static double clip(Map<String, INDArray> gradients, double maxNorm) {
    double norm = globalNorm(gradients);
    if (maxNorm > 0 && norm > maxNorm) {
      double scale = maxNorm / (norm + 1e-6); // same guard as PyTorch
      for (INDArray g : gradients.values()) {
        g.muli(scale);
      }
    }
    return norm;
  }
}
