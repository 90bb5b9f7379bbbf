package io.llmforge.trainer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Map;
import org.junit.jupiter.api.Test;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Pins the DL4J 1.0.0-M2.1 behaviours that {@link GptModel} works around, so that a DL4J upgrade that fixes them
 * shows up here (and the work-arounds can go). The speed pitfall ({@code gather}'s backward) is measured by
 * {@code llmforge bench pretrain --pitfalls}, not asserted.
 */
class Dl4jPitfallsTest {
  private static final int ROWS = 4;
  private static final int CLASSES = 7;

  /** d(3 * loss)/d(logits) through the op, and through the composition GptModel uses. */
  private static INDArray gradientOfScaledLoss(boolean sparseOp, double scale) {
    Nd4j.getRandom().setSeed(7);
    SameDiff sd = SameDiff.create();
    SDVariable logits = sd.var("logits", Nd4j.randn(DataType.DOUBLE, ROWS, CLASSES));
    INDArray targets = Nd4j.createFromArray(1, 3, 0, 6);
    SDVariable loss;
    if (sparseOp) {
      loss = sd.loss.sparseSoftmaxCrossEntropy(logits, sd.constant("targets", targets)).mean();
    } else {
      SDVariable oneHot = sd.oneHot(sd.constant("targets", targets), CLASSES, -1, 1.0, 0.0, DataType.DOUBLE);
      SDVariable logProbs = logits.sub(sd.math.log(sd.math.exp(logits).sum(true, 1)));
      loss = oneHot.mul(logProbs).sum(1).mean().neg();
    }
    SDVariable scaled = loss.mul("scaled", scale);
    sd.setLossVariables(scaled);
    Map<String, INDArray> grads = sd.calculateGradients(Map.of(), "logits");
    return grads.get("logits");
  }

  @Test
  void sparseSoftmaxCrossEntropyBackwardIgnoresTheIncomingGradient() {
    INDArray composedOnce = gradientOfScaledLoss(false, 1.0);
    INDArray composedTriple = gradientOfScaledLoss(false, 3.0);
    assertArrayEquals(composedOnce.mul(3.0).ravel().toDoubleVector(), composedTriple.ravel().toDoubleVector(), 1e-12,
        "the composed log-softmax x one-hot loss is correct: scaling the loss scales the gradient");

    INDArray sparseOnce = gradientOfScaledLoss(true, 1.0);
    INDArray sparseTriple = gradientOfScaledLoss(true, 3.0);
    assertEquals(composedOnce.mul(ROWS).getDouble(0, 1), sparseOnce.getDouble(0, 1), 1e-9,
        "the op's own gradient (per row, before the mean) is right when it is the last op");
    assertArrayEquals(sparseOnce.ravel().toDoubleVector(), sparseTriple.ravel().toDoubleVector(), 1e-12,
        "M2.1: sparseSoftmaxCrossEntropy ignores the gradient flowing into it (x3 loss, same gradient). If this "
            + "fails, DL4J fixed it and GptModel could use the op again.");
  }
}
